"""Learner pages: the course player, "My learning", and the staff completion form."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from lms import memo
from lms.accounts.models import User
from lms.discussions.reading import item_threads
from lms.errors import DomainError, Forbidden
from lms.extensions import db
from lms.forms import refuse
from lms.progress import overrides, pages, service
from lms.progress.forms import OverrideForm
from lms.web import csrf_token_value

bp = Blueprint("progress", __name__)


@bp.get("/learn/<slug>")
@login_required
def course_home(slug: str):
    item_id, _ = pages.resume_item_id(current_user, slug)
    return redirect(url_for("progress.player", slug=slug, item_id=item_id))


@bp.get("/learn/<slug>/items/<int:item_id>")
@login_required
def player(slug: str, item_id: int):
    page = pages.player_page(current_user, slug, item_id)
    item_url = player_urls(slug)
    html = render_template("progress/player.html", page=page,
                           outline=outline_html(page, item_url),
                           article=item_html(page, item_url),
                           threads=item_threads(current_user, page.course["id"], item_id))
    if page.opened_now:
        # The first open started the item's credit clock. Committed after rendering: a
        # commit expires the member's row, which the page header would then read again.
        db.session.commit()
    return html


#: Rendered outlines by (member id, course id), kept under the version of the member's
#: progress they show (``PlayerPage.version``); every item of the course shares one.
_outlines: memo.StampedCache[str] = memo.StampedCache()


def outline_html(page: pages.PlayerPage, item_url) -> Markup:
    """The outline beside the player, with the open item marked ``aria-current``."""
    html = _outlines.get((current_user.id, page.course["id"]), page.version, lambda: (
        render_template("progress/_outline.html", page=page, item_url=item_url)))
    link = f'href="{item_url(page.status.id)}"'
    # Safe: the output of an autoescaping template, and a link built from a URL slug.
    return Markup(html.replace(link, f'{link} aria-current="page"', 1))  # noqa: S704


#: The open item's area by (member id, item id), kept under the member's progress version,
#: the page's state and its CSRF token (reading and file items carry it in a form).
_items: memo.StampedCache[Markup] = memo.StampedCache(size=1024)


#: Where a package item's launcher URL goes in the kept HTML: each view frames a launch
#: token of its own (``pages.with_launcher``).
LAUNCHER_SLOT = "about:blank#package-launcher"


def item_html(page: pages.PlayerPage, item_url) -> Markup:
    stamp = (page.version, page.read_only, csrf_token_value())
    html = _items.get((current_user.id, page.status.id), stamp, lambda: Markup(  # noqa: S704
        render_template("progress/_item_main.html", page=page, item_url=item_url,
                        launcher_slot=LAUNCHER_SLOT)))
    launcher = (page.item.get("package") or {}).get("launcher_url")
    if launcher and LAUNCHER_SLOT in html:
        # Safe: the output of an autoescaping template, and an escaped URL built by us.
        html = Markup(html.replace(LAUNCHER_SLOT, str(escape(launcher)), 1))  # noqa: S704
    return html


def player_urls(slug: str):
    """``item_url(item_id)``: the player link of each item in the outline, built once.

    One ``url_for`` per page rather than one per item: a 30-item outline spent more
    time building links than rendering them.
    """
    head = url_for("progress.player", slug=slug, item_id=0).removesuffix("0")
    return lambda item_id: f"{head}{item_id}"


@bp.post("/learn/<slug>/items/<int:item_id>/done")
@login_required
def mark_done(slug: str, item_id: int):
    try:
        service.mark_done(current_user, item_id)
    except (service.Conflict, service.ValidationError) as exc:
        db.session.rollback()
        flash(exc.detail, "error")
    else:
        db.session.commit()
        flash("Marked as done.", "success")
    return redirect(url_for("progress.player", slug=slug, item_id=item_id))


@bp.post("/learn/<slug>/items/<int:item_id>/download")
@login_required
def download(slug: str, item_id: int):
    """Downloading a file item completes it, then the browser fetches the file; a locked
    item goes back to the player, saying why."""
    page = pages.player_page(current_user, slug, item_id)
    back = url_for("progress.player", slug=slug, item_id=item_id)
    try:
        if not page.preview and not page.read_only and page.status.status != "completed":
            service.mark_done(current_user, item_id)
    except (service.Conflict, service.ValidationError) as exc:
        db.session.rollback()
        flash(exc.detail, "error")
        return redirect(back, code=303)
    db.session.commit()
    return redirect(page.item["media_url"] or back, code=303)


#: Sections higher domains add below My learning (the CE ledger: the renewal cycle).
#: Each takes the member and returns HTML, or None to show nothing; registered from
#: the domain's ``receivers.connect()``, as media access checks are.
DashboardSection = Callable[[User], Markup | None]
_sections: list[DashboardSection] = []


def register_dashboard_section(section: DashboardSection) -> None:
    """Add ``section`` below My learning (once, however often apps are created)."""
    if section not in _sections:
        _sections.append(section)


@bp.get("/my-learning")
@login_required
def dashboard():
    board = pages.dashboard(current_user)
    extra = [html for section in _sections if (html := section(current_user)) is not None]
    return render_template("progress/dashboard.html", main=dashboard_html(board), extra=extra)


#: The body of My learning by member id, kept under what it shows (``Dashboard.version``).
_dashboards: memo.StampedCache[Markup] = memo.StampedCache()


def dashboard_html(board: pages.Dashboard) -> Markup:
    return _dashboards.get(current_user.id, board.version, lambda: Markup(  # noqa: S704
        render_template("progress/_dashboard_main.html", board=board)))


@bp.route("/staff/completion", methods=["GET", "POST"])
@login_required
def override():
    form = OverrideForm()
    if not current_user.is_admin:
        raise Forbidden("Only site staff can mark work complete for a member.")
    if form.validate_on_submit():
        try:
            message = overrides.override_by_names(
                current_user, form.email.data, form.course_slug.data, form.item_id.data,
                form.reason.data)
        except DomainError as exc:
            refuse(form, exc)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("progress.override"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("progress/override.html", form=form), status
