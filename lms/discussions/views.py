"""Discussion pages: a course's threads, a thread, moderation, notifications, the directory."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from lms import memo
from lms.accounts.models import CAREER_STAGES, ORG_TYPES
from lms.catalog.models import Course
from lms.discussions import directory, moderation, notify, reading, service
from lms.discussions.models import Post, PostRevision
from lms.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationError
from lms.extensions import csrf, db
from lms.web import csrf_token_value, me

bp = Blueprint("discussions", __name__)
FORM_ERRORS = (ValidationError, Conflict, Forbidden, RateLimited)


@bp.app_template_global()
def unread_notifications() -> int:
    """The header's unread count, kept on the user row the request loaded: no statement.

    An error page rendered because the database failed (the row expired by the rollback
    would be loaded again) shows no count rather than failing again.
    """
    if "unread_notifications" not in g:
        try:
            g.unread_notifications = current_user.unread_notifications
        except SQLAlchemyError:
            db.session.rollback()
            g.unread_notifications = 0
    return g.unread_notifications


@bp.app_template_filter("utc_time")
def utc_time(value) -> Markup:
    """``<time>`` of a UTC timestamp, e.g. 5 Dec 2026, 14:05 UTC."""
    return Markup('<time datetime="{}">{} UTC</time>').format(
        value.isoformat(), value.strftime("%-d %b %Y, %H:%M"))


def _course_id(slug: str) -> int:
    course_id = db.session.execute(select(Course.id).where(Course.slug == slug)).scalar()
    if course_id is None:
        raise NotFound("No such course.")
    return course_id


def _flash_error(exc) -> None:
    db.session.rollback()
    messages = [m for field in exc.errors.values() for m in field] if getattr(
        exc, "errors", None) else []
    flash(" ".join(messages) or exc.detail, "error")


# --- threads ---------------------------------------------------------------------------

#: Rendered thread lists keyed by the rows they show: equal rows render equal HTML, so a
#: list is rendered again only when something in it changed (no stamp needed).
_thread_lists: memo.StampedCache[Markup] = memo.StampedCache(size=256)

@bp.get("/courses/<slug>/discussions")
@login_required
def course_threads(slug: str):
    args = request.args
    page = max(1, args.get("page", 1, type=int) or 1)
    sort = args.get("sort") if args.get("sort") in reading.SORTS else "recent"
    kind = args.get("kind") if args.get("kind") in ("question", "discussion") else None
    threads, total, place = reading.thread_list(me(), slug=slug, kind=kind, sort=sort,
                                                q=args.get("q"), page=page, per_page=20)
    listing = _thread_lists.get(tuple(threads), None, lambda: Markup(render_template(  # noqa: S704
        "discussions/_thread_list.html", threads=threads)))
    return render_template("discussions/course.html", course=place.course, listing=listing,
                           total=total, page=page, sort=sort, kind=kind or "",
                           q=args.get("q", ""), is_moderator=place.is_moderator,
                           hold=place.hold_first_posts)


@bp.post("/courses/<slug>/discussions")
@login_required
def new_thread(slug: str):
    form = request.form
    item_id = form.get("item_id", type=int)
    try:
        thread = service.create_thread(me(), _course_id(slug), title=form.get("title"),
                                       body=form.get("body"), kind=form.get("kind"),
                                       item_id=item_id, announce=form.get("announce") == "y")
    except FORM_ERRORS as exc:
        _flash_error(exc)
        return redirect(form.get("back") if form.get("back", "").startswith("/") else
                        url_for("discussions.course_threads", slug=slug))
    db.session.commit()
    if thread.status == "held":
        flash("Your question waits for a moderator before others see it.", "success")
    return redirect(url_for("discussions.thread", thread_id=thread.id))


@bp.post("/courses/<slug>/discussions/settings")
@login_required
def course_settings(slug: str):
    service.set_hold_first_posts(me(), _course_id(slug), request.form.get("hold") == "y")
    db.session.commit()
    flash("Discussion settings saved.", "success")
    return redirect(url_for("discussions.course_threads", slug=slug))


#: Rendered pages of posts by (thread, member, page), kept under the thread's version, the
#: page's CSRF token and the member's role: a long thread is rendered again only after it
#: changed.
_post_lists: memo.StampedCache[Markup] = memo.StampedCache(size=512)
#: Posts on each page of a thread's HTML page (the API lists them all).
POSTS_PER_PAGE = 50


def _to_post(thread_id: int, post_id: int) -> str:
    """The thread page that shows the post, at the post (the thread view finds its page)."""
    return url_for("discussions.thread", thread_id=thread_id, post=post_id,
                   _anchor=f"post-{post_id}")


@bp.get("/discussions/<int:thread_id>")
@login_required
def thread(thread_id: int):
    found, place = service.thread_seat(me(), thread_id)
    if "post" in request.args:
        return redirect(_page_of_post(found, place, request.args.get("post", type=int)))
    page = max(1, request.args.get("page", 1, type=int) or 1)
    token = csrf_token_value()

    def render() -> Markup:
        posts, total = reading.thread_posts(found, place, page, POSTS_PER_PAGE)
        if not posts and page > 1:
            raise NotFound("No such page.")
        # One prefix for every post's action URLs (200 posts: ~1,000 url_for otherwise).
        actions = url_for("discussions.post_action", post_id=0,
                          action="vote").removesuffix("0/vote")
        return Markup(render_template(  # noqa: S704 - an autoescaping template's output
            "discussions/_posts.html", thread=found, posts=posts, token=token,
            is_moderator=place.is_moderator, user_id=current_user.id, actions=actions,
            page=page, pages=-(-total // POSTS_PER_PAGE)))

    posts_html = _post_lists.get((thread_id, current_user.id, page),
                                 (found.version, token, place.is_moderator), render)
    return render_template("discussions/thread.html", thread=found, course=place.course,
                           is_moderator=place.is_moderator, posts_html=posts_html)


def _page_of_post(found, place, post_id: int | None) -> str:
    post = db.session.get(Post, post_id) if post_id else None
    if post is None or post.thread_id != found.id or not service.can_read(
            place, post.status, post.author_id):
        return url_for("discussions.thread", thread_id=found.id)
    page = reading.post_position(place, post) // POSTS_PER_PAGE + 1
    return url_for("discussions.thread", thread_id=found.id, page=page if page > 1 else None,
                   _anchor=f"post-{post.id}")


@bp.post("/discussions/<int:thread_id>/posts")
@login_required
def reply(thread_id: int):
    try:
        post = service.add_post(me(), thread_id, request.form.get("body"))
    except FORM_ERRORS as exc:
        _flash_error(exc)
        return redirect(url_for("discussions.thread", thread_id=thread_id))
    db.session.commit()
    if post.status == "held":
        flash("Your post waits for a moderator before others see it.", "success")
    return redirect(_to_post(thread_id, post.id))


@bp.post("/discussions/<int:thread_id>/lock")
@login_required
def lock(thread_id: int):
    moderation.set_locked(me(), thread_id, request.form.get("locked") == "y")
    db.session.commit()
    return redirect(url_for("discussions.thread", thread_id=thread_id))


POST_ACTIONS = {
    "vote": lambda user, post_id: service.vote(user, post_id),
    "accept": lambda user, post_id: service.accept(user, post_id),
    "hide": lambda user, post_id: moderation.set_hidden(user, post_id, True),
    "unhide": lambda user, post_id: moderation.set_hidden(user, post_id, False),
    "approve": lambda user, post_id: moderation.approve(user, post_id),
    "dismiss": lambda user, post_id: moderation.dismiss_reports(user, post_id),
}


def _thread_of(post_id: int) -> int:
    post = db.session.get(Post, post_id)
    if post is None:
        raise NotFound("No such post.")
    return post.thread_id


ACTION_RULE = ("/discussions/posts/<int:post_id>/"
               "<any(vote, accept, hide, unhide, approve, dismiss):action>")


@bp.post(ACTION_RULE)
@login_required
def post_action(post_id: int, action: str):
    thread_id = _thread_of(post_id)
    try:
        POST_ACTIONS[action](me(), post_id)
    except FORM_ERRORS as exc:
        _flash_error(exc)
    else:
        db.session.commit()
    if request.form.get("back") == "queue":
        return redirect(url_for("discussions.moderation_queue"))
    return redirect(_to_post(thread_id, post_id))


@bp.post("/discussions/posts/<int:post_id>/report")
@login_required
def report(post_id: int):
    thread_id = _thread_of(post_id)
    try:
        moderation.report(me(), post_id, request.form.get("reason"))
    except FORM_ERRORS as exc:
        _flash_error(exc)
    else:
        db.session.commit()
        flash("Thank you: the moderators will look at it.", "success")
    return redirect(url_for("discussions.thread", thread_id=thread_id))


@bp.route("/discussions/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    post, thread, place = service.post_seat(me(), post_id)
    if post.author_id != place.user.id:
        raise Forbidden("Only its author can edit a post.")
    if request.method == "POST":
        try:
            service.edit_post(me(), post_id, request.form.get("body"))
        except FORM_ERRORS as exc:
            _flash_error(exc)
        else:
            db.session.commit()
            return redirect(_to_post(thread.id, post_id))
    revisions = db.session.scalars(select(PostRevision).where(PostRevision.post_id == post_id)
                                   .order_by(PostRevision.id.desc())).all()
    return render_template("discussions/edit.html", post=post, thread=thread,
                           revisions=revisions)


@bp.get("/discussions/moderation")
@login_required
def moderation_queue():
    return render_template("discussions/moderation.html", entries=moderation.queue(me()))


# --- notifications ---------------------------------------------------------------------

@bp.get("/notifications")
@login_required
def notifications():
    return render_template("discussions/notifications.html",
                           notifications=notify.notifications(me()),
                           prefs=notify.preferences(current_user.id))


@bp.post("/notifications/read")
@login_required
def mark_read():
    notify.mark_read(me(), request.form.get("id", type=int))
    db.session.commit()
    return redirect(url_for("discussions.notifications"))


@bp.post("/notifications/settings")
@login_required
def notification_settings():
    try:
        notify.set_preferences(me(), replies=request.form.get("replies"),
                               announcements=request.form.get("announcements") == "y")
    except ValidationError as exc:
        _flash_error(exc)
    else:
        db.session.commit()
        flash("Notification settings saved.", "success")
    return redirect(url_for("discussions.notifications"))


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str):
    _user, topic = notify.unsubscribe_target(token)
    return render_template("discussions/unsubscribe.html", token=token, topic=topic, done=False)


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_confirm(token: str):
    """One click, no login: the signed token is the authority (RFC 8058 one-click POST)."""
    _user, topic = notify.unsubscribe(token)
    db.session.commit()
    return render_template("discussions/unsubscribe.html", token=token, topic=topic, done=True)


# --- directory -------------------------------------------------------------------------

@bp.get("/directory")
@login_required
def directory_page():
    args = request.args
    page = max(1, args.get("page", 1, type=int) or 1)
    filters = {name: args.get(name, "") for name in ("q", "expertise", "career_stage",
                                                      "org_type")}
    try:
        colleagues, total = directory.search(me(), page=page, per_page=20, **filters)
    except ValidationError:
        colleagues, total = [], 0
    return render_template("discussions/directory.html", colleagues=colleagues, total=total,
                           filters=filters, topics=directory.topic_names(),
                           stages=CAREER_STAGES, org_types=ORG_TYPES,
                           mine=directory.describe(me()))


@bp.post("/directory/profile")
@login_required
def directory_profile():
    form = request.form
    areas = form.getlist("topic") + [part.strip() for part in
                                     form.get("other", "").split(",") if part.strip()]
    try:
        directory.update_profile(me(), {"directory_visible": form.get("visible") == "y",
                                        "expertise": areas})
    except ValidationError as exc:
        _flash_error(exc)
    else:
        db.session.commit()
        flash("Your directory entry is saved.", "success")
    return redirect(url_for("discussions.directory_page"))


@bp.route("/directory/members/<int:member_id>", methods=["GET", "POST"])
@login_required
def member(member_id: int):
    colleague = directory.public_member(me(), member_id)
    if request.method == "POST":
        try:
            directory.send_message(me(), member_id, request.form.get("body"))
        except FORM_ERRORS as exc:
            _flash_error(exc)
        else:
            db.session.commit()
            flash(f"Your message to {colleague.name} is on its way.", "success")
            return redirect(url_for("discussions.member", member_id=member_id))
    return render_template("discussions/member.html", colleague=colleague,
                           stages=CAREER_STAGES, org_types=ORG_TYPES)


@bp.post("/directory/members/<int:member_id>/block")
@login_required
def block(member_id: int):
    directory.block(me(), member_id)
    db.session.commit()
    flash("You will get no more messages from this member.", "success")
    return redirect(url_for("discussions.directory_page"))


@bp.route("/directory/messages/<int:message_id>", methods=["GET", "POST"])
@login_required
def message(message_id: int):
    found = directory.received_message(me(), message_id)
    if request.method == "POST":
        try:
            directory.report_message(me(), message_id, request.form.get("reason"))
        except ValidationError as exc:
            _flash_error(exc)
        else:
            db.session.commit()
            flash("Reported to staff; this member can no longer write to you.", "success")
    return render_template("discussions/message.html", message=found,
                           sender=directory.sender_name(found))
