"""Catalog pages: the course list with search and filters, course pages, enrolment,
signup codes and topics (staff)."""

from __future__ import annotations

import math
from collections.abc import Callable

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from lms import memo, pagecache
from lms.accounts.models import CAREER_STAGES
from lms.accounts.service import require_admin
from lms.apikit import actor
from lms.catalog import enrolment, service, topics
from lms.catalog.forms import CatalogFilterForm, CodeBatchForm, EmptyForm, EnrolForm, TopicForm
from lms.catalog.models import Course
from lms.errors import DomainError
from lms.extensions import db
from lms.forms import refuse
from lms.web import maybe_url

bp = Blueprint("catalog", __name__)

PER_PAGE = 20
STYLE_LABELS = {"video": "Video", "reading": "Reading", "file": "Download", "quiz": "Quiz",
                "evaluation": "Evaluation", "session": "Live session",
                "package": "Interactive package"}


@bp.app_template_filter("catalog_stage")
def stage_label(stage: str) -> str:
    return CAREER_STAGES.get(stage, stage)


pagecache.watch(Course)


def catalog_stamp(**_kwargs) -> int:
    """Changes whenever a course is created, edited, published, unpublished or deleted.

    A digest of every course's ``updated_at``, not the newest one: an app server whose
    clock runs behind (or a commit overtaken by a later one) may stamp a change older
    than the newest course, which leaves the newest where it was. Read at most once a
    second per process (:mod:`lms.pagecache`).
    """
    return hash(frozenset(db.session.execute(select(Course.id, Course.updated_at)).all()))


def course_stamp(slug: str) -> tuple:
    return (db.session.scalar(select(Course.updated_at).where(Course.slug == slug)),)


@bp.get("/courses")
@pagecache.for_anonymous(catalog_stamp)
def index():
    form = CatalogFilterForm(formdata=request.args)
    form.set_topics([(t.slug, t.name) for t in topics.list_topics()])
    form.validate()
    filters = form.valid_filters()
    page = max(request.args.get("page", 1, type=int), 1)
    courses, total = service.search_courses(**filters, page=page, per_page=PER_PAGE)
    pages = max(1, math.ceil(total / PER_PAGE))
    return render_template("catalog/index.html", form=form, courses=courses, total=total,
                           page=page, pages=pages, searching=bool(filters.get("q")),
                           prev_url=_page_url(page - 1) if page > 1 else None,
                           next_url=_page_url(page + 1) if page < pages else None)


def _page_url(page: int) -> str:
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return url_for("catalog.index", **args, page=page)


@bp.get("/courses/<slug>")
@pagecache.for_anonymous(course_stamp)
def course(slug: str):
    return render_course(slug, None)


#: Sections that domains above the catalog add below a course page
#: (``section(course_id) -> Markup | None``): live webinars list the course's sessions.
CourseSection = Callable[[int], Markup | None]
_course_sections: list[CourseSection] = []


def register_course_section(section: CourseSection) -> None:
    """Add ``section`` below every course page (once, however often apps are created)."""
    if section not in _course_sections:
        _course_sections.append(section)


def render_course(slug: str, form: EnrolForm | None, status: int = 200):
    detail = service.get_course_page(actor(), slug)
    if form is None and current_user.is_authenticated and detail.enrollment is None:
        # Only members who may still enrol get the form (anonymous visitors get a
        # "log in to enrol" link: no form, so no CSRF cookie).
        form = EnrolForm()
    sections = [html for section in _course_sections
                if (html := section(detail.summary.id)) is not None]
    html = render_template("catalog/course.html", course=detail, c=detail.summary, form=form,
                           main_html=course_main_html(detail), sections=sections,
                           continue_url=continue_url(detail),
                           studio_url=detail.can_edit and studio_url(detail))
    return html, status


#: The course page's main column, the same for every viewer, by course id and version.
_main_columns: memo.StampedCache[Markup] = memo.StampedCache()


def course_main_html(detail: service.CourseDetail) -> Markup:
    """Facts, description and outline, rendered once per course version and process."""
    return _main_columns.get(detail.summary.id, (detail.version, request.script_root),
                             lambda: _render_main_column(detail))


def _render_main_column(detail: service.CourseDetail) -> Markup:
    html = render_template("catalog/_course_main.html", course=detail, c=detail.summary,
                           kinds=STYLE_LABELS)
    return Markup(html)  # noqa: S704 - the output of an autoescaping template


def continue_url(detail: service.CourseDetail) -> str | None:
    """Where an enrolled member picks up: the player's course home, else its first item."""
    slug, item_id = detail.summary.slug, detail.first_item_id
    return (maybe_url("progress.course_home", slug=slug)
            or (item_id and maybe_url("progress.player", slug=slug, item_id=item_id)))


def studio_url(detail: service.CourseDetail) -> str | None:
    return maybe_url("studio.course", course_id=detail.summary.id)


@bp.post("/courses/<slug>/enrol")
@login_required
def enrol(slug: str):
    form = EnrolForm()
    if not form.validate_on_submit():
        return render_course(slug, form, 400)
    course = enrolment.get_course_by_slug(slug)
    try:
        _, created = enrolment.enrol(current_user, course, form.code.data)
    except DomainError as exc:
        refuse(form, exc)
        return render_course(slug, form, exc.status)
    db.session.commit()
    flash(f"You are enrolled in {course.title}." if created
          else f"You were already enrolled in {course.title}.", "success")
    return redirect(url_for("catalog.course", slug=slug))


# Signup codes (staff) -----------------------------------------------------------------


@bp.route("/admin/courses/<slug>/codes", methods=["GET", "POST"])
@login_required
def codes(slug: str):
    require_admin(current_user)
    course = enrolment.get_course_by_slug(slug)
    form = CodeBatchForm()
    status = 200
    if form.validate_on_submit():
        try:
            created = enrolment.create_codes(current_user, course, form.count.data,
                                             form.batch.data or "")
        except DomainError as exc:
            refuse(form, exc)
            status = exc.status
        else:
            db.session.commit()
            flash(f"Created {len(created)} signup codes.", "success")
            return redirect(url_for("catalog.codes", slug=slug))
    elif form.errors:
        status = 422
    rows = enrolment.list_codes(current_user, course)
    redeemed = sum(1 for row in rows if row.redeemed_at)
    return render_template("catalog/codes.html", course=course, codes=rows, form=form,
                           redeemed=redeemed), status


@bp.get("/admin/courses/<slug>/codes.csv")
@login_required
def codes_csv(slug: str):
    require_admin(current_user)
    course = enrolment.get_course_by_slug(slug)
    body = enrolment.codes_csv(current_user, course)
    headers = {"Content-Disposition": f'attachment; filename="{slug}-signup-codes.csv"'}
    return Response(body, mimetype="text/csv", headers=headers)


# Topics (staff) -----------------------------------------------------------------------


@bp.route("/admin/topics", methods=["GET", "POST"])
@login_required
def admin_topics():
    require_admin(current_user)
    form = TopicForm()
    status = 200
    if form.validate_on_submit():
        try:
            topic = topics.create_topic(current_user, form.name.data)
        except DomainError as exc:
            refuse(form, exc)
            status = exc.status
        else:
            db.session.commit()
            flash(f"Added the topic {topic.name}.", "success")
            return redirect(url_for("catalog.admin_topics"))
    elif form.errors:
        status = 422
    return render_template("catalog/topics.html", topics=topics.list_topics(), form=form,
                           empty=EmptyForm()), status


@bp.post("/admin/topics/<int:topic_id>")
@login_required
def rename_topic(topic_id: int):
    require_admin(current_user)
    form = TopicForm()
    if form.validate_on_submit():
        try:
            topics.rename_topic(current_user, topic_id, form.name.data)
        except DomainError as exc:
            db.session.rollback()
            flash(f"Not renamed: {_messages(exc)}", "error")
        else:
            db.session.commit()
            flash("Topic renamed.", "success")
    else:
        flash("Not renamed: enter a name of up to 80 characters.", "error")
    return redirect(url_for("catalog.admin_topics"))


@bp.post("/admin/topics/<int:topic_id>/delete")
@login_required
def delete_topic(topic_id: int):
    require_admin(current_user)
    if EmptyForm().validate_on_submit():
        topics.delete_topic(current_user, topic_id)
        db.session.commit()
        flash("Topic deleted.", "success")
    return redirect(url_for("catalog.admin_topics"))


def _messages(exc: DomainError) -> str:
    return " ".join(m for ms in exc.errors.values() for m in ms) or exc.detail
