"""The authoring studio: HTML pages for instructors to build and publish courses.

Every page works without JavaScript (reordering is up/down buttons); each view
parses a form, calls the authoring service, commits and redirects.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from wtforms.fields.choices import SelectChoice

from lms.accounts.service import require_instructor
from lms.catalog import authoring, authoring_outline
from lms.catalog.access import get_item_for_edit, get_module_for_edit
from lms.catalog.markdown import render_markdown
from lms.catalog.models import Course, Item, Topic
from lms.catalog.studio_forms import (
    ITEM_FORMS,
    CourseForm,
    InstructorForm,
    ModuleForm,
    NewCourseForm,
    PackageItemForm,
    form_fields,
    item_fields,
)
from lms.catalog.studio_uploads import take_uploads
from lms.errors import Conflict
from lms.extensions import db
from lms.forms import save_form
from lms.media.service import human_size
from lms.web import maybe_url, me, require_login

bp = Blueprint("studio", __name__, url_prefix="/studio")
bp.before_request(require_login)


def preview_url(course: Course, item: Item | None = None) -> str | None:
    """The course player, which shows editors who are not enrolled a preview.

    None while the course has no item yet (or the progress domain is not installed).
    """
    item = item or next((i for m in course.modules for i in m.items), None)
    if item is None or item.id is None:
        return None
    return maybe_url("progress.player", slug=course.slug, item_id=item.id)


def render_course_page(template: str, course: Course, status: int = 200, **context):
    return render_template(template, course=course, preview_url=preview_url(course),
                           **context), status


@bp.get("/")
def index():
    return render_template("studio/index.html", courses=authoring.studio_courses(me()))


@bp.route("/courses/new", methods=["GET", "POST"])
def new_course():
    require_instructor(me())
    form = NewCourseForm()
    course = save_form(form, lambda: authoring.create_course(me(), form_fields(form)),
                       "Course created as a draft. Add modules and items next.")
    if course is not None:
        return redirect(url_for("studio.outline", course_id=course.id))
    return render_template("studio/new_course.html", form=form), 422 if form.errors else 200


def _course_form(course: Course) -> CourseForm:
    form = CourseForm(obj=course, data={"topics": [t.slug for t in course.topics],
                                        "audience": [a.career_stage for a in course.audience]}
                      if request.method == "GET" else None)
    topics = db.session.execute(db.select(Topic).order_by(Topic.name)).scalars()
    form.topics.choices = [SelectChoice(t.slug, t.name) for t in topics]
    return form


@bp.route("/courses/<int:course_id>", methods=["GET", "POST"])
def course(course_id: int):
    course = authoring.get_course_for_studio(me(), course_id)
    form = _course_form(course)
    saved = save_form(form, lambda: authoring.update_course(me(), course_id, form_fields(form)),
                      "Course details saved.")
    if saved is not None:
        return redirect(url_for("studio.course", course_id=course_id))
    return render_course_page("studio/course.html", course, 422 if form.errors else 200,
                              form=form, problems=authoring.publish_problems(course))


@bp.post("/courses/<int:course_id>/<any(publish, unpublish, archive):action>")
def change_status(course_id: int, action: str):
    try:
        getattr(authoring, action)(me(), course_id)
    except Conflict as exc:
        db.session.rollback()
        course = authoring.get_course_for_studio(me(), course_id)
        return render_course_page("studio/course.html", course, 409, form=_course_form(course),
                                  problems=authoring.publish_problems(course),
                                  refusal=exc.errors.get("publish") or [exc.detail])
    db.session.commit()
    messages = {"publish": "Published: the course is in the catalog.",
                "unpublish": "Unpublished: the course is a draft again.",
                "archive": "Archived: the course is no longer in the catalog."}
    flash(messages[action], "success")
    return redirect(url_for("studio.course", course_id=course_id))


@bp.post("/courses/<int:course_id>/duplicate")
def duplicate(course_id: int):
    copy = authoring.duplicate_course(me(), course_id)
    db.session.commit()
    flash(f"Created “{copy.title}” as a new draft.", "success")
    return redirect(url_for("studio.course", course_id=copy.id))


# --- outline -------------------------------------------------------------------------


@bp.get("/courses/<int:course_id>/outline")
def outline(course_id: int):
    course = authoring.get_course_for_studio(me(), course_id)
    return render_course_page("studio/outline.html", course, module_form=ModuleForm(),
                              kinds=list(ITEM_FORMS), storage=_storage_use(course))


def _storage_use(course: Course) -> dict:
    """What the course's files take in the store, for its editors and staff."""
    use = authoring_outline.storage_use(course)
    return {"total": human_size(use.total), "originals": human_size(use.originals),
            "renditions": human_size(use.renditions)}


@bp.post("/courses/<int:course_id>/modules")
def add_module(course_id: int):
    form = ModuleForm()
    saved = save_form(
        form, lambda: authoring_outline.add_module(me(), course_id, form_fields(form)),
        "Module added.")
    if saved is not None:
        return redirect(url_for("studio.outline", course_id=course_id))
    course = authoring.get_course_for_studio(me(), course_id)
    return render_course_page("studio/outline.html", course, 422, module_form=form,
                              kinds=list(ITEM_FORMS))


@bp.route("/modules/<int:module_id>", methods=["GET", "POST"])
def module(module_id: int):
    module = get_module_for_edit(me(), module_id)
    form = ModuleForm(obj=module)
    saved = save_form(
        form, lambda: authoring_outline.update_module(me(), module_id, form_fields(form)),
        "Module saved.")
    if saved is not None:
        return redirect(url_for("studio.outline", course_id=module.course_id))
    return render_course_page("studio/module.html", module.course, 422 if form.errors else 200,
                              module=module, form=form)


def _move_args() -> dict:
    direction = request.form.get("direction")
    position = request.form.get("position", "")
    module_id = request.form.get("module_id", "")
    return {"direction": direction if direction in ("up", "down") else None,
            "position": int(position) if position.isdigit() else None,
            "module_id": int(module_id) if module_id.isdigit() else None}


@bp.post("/modules/<int:module_id>/move")
def move_module(module_id: int):
    args = _move_args()
    module = authoring_outline.move_module(me(), module_id, args["direction"], args["position"])
    db.session.commit()
    return redirect(url_for("studio.outline", course_id=module.course_id,
                            _anchor=f"module-{module_id}"))


@bp.post("/modules/<int:module_id>/delete")
def delete_module(module_id: int):
    course = authoring_outline.delete_module(me(), module_id)
    db.session.commit()
    flash("Module deleted.", "success")
    return redirect(url_for("studio.outline", course_id=course.id))


# --- items ---------------------------------------------------------------------------


def _media_choices(form, course: Course, item: Item | None) -> None:
    """Fill the media selects with the assets this course may use (and the current ones)."""
    def choices(kinds, current):
        assets = authoring_outline.usable_media(me(), course, kinds)
        if current is not None and current not in assets:
            assets.insert(0, current)
        return [SelectChoice("", "None")] + [SelectChoice(str(a.id), _media_label(a))
                                             for a in assets]

    if hasattr(form, "media_id"):
        kinds = authoring_outline.MEDIA_KINDS[
            "video" if hasattr(form, "captions_media_id")
            else "package" if isinstance(form, PackageItemForm) else "file"]
        form.media_id.choices = choices(kinds, item.media if item else None)
    if hasattr(form, "captions_media_id"):
        caption = item.captions[0].media if item and item.captions else None
        form.captions_media_id.choices = choices(authoring_outline.CAPTION_KINDS, caption)
        form.slides_media_id.choices = choices(authoring_outline.SLIDE_KINDS,
                                               item.slides if item else None)


def _media_label(asset) -> str:
    waiting = "" if asset.status == "ready" else f" ({asset.status})"
    return f"{asset.original_name}{waiting}"


def _item_form(kind: str, item: Item | None, course: Course):
    """The item form, with any file posted with it already uploaded and chosen.

    Upload refusals are on ``form.upload_errors`` (by media select name): the
    uploader shows them, and the item is not saved while there are any.
    """
    form_class = ITEM_FORMS[kind]
    data = None
    if item is not None and request.method == "GET":
        data = {"required": item.is_required, "media_id": str(item.media_id or ""),
                "slides_media_id": str(item.slides_media_id or ""),
                "captions_media_id": str(item.captions[0].media_id) if item.captions else ""}
    form = form_class(obj=item, data=data)
    form.upload_errors = take_uploads(me(), form) if request.method == "POST" else {}
    _media_choices(form, course, item)
    return form


def _save_item(form, action, message: str):
    """``save_form``, unless a file posted with the form was refused (it shows why)."""
    if form.upload_errors:
        form.validate()  # show every other mistake at the same time
        return None
    return save_form(form, action, message)


def _render_item(course: Course, form, kind: str, item: Item | None, module, status: int = 200,
                 preview=None):
    if preview is None and item is not None and kind == "reading":
        preview = render_markdown(item.body)
    if form.upload_errors:
        status = 422
    return render_course_page("studio/item.html", course, status, form=form, kind=kind,
                              item=item, module=module, preview=preview,
                              item_preview_url=item and preview_url(course, item),
                              may_upload=me().can_teach)


@bp.route("/modules/<int:module_id>/items/new/"
          "<any(video, reading, file, quiz, evaluation, session, package):kind>",
          methods=["GET", "POST"])
def new_item(module_id: int, kind: str):
    module = get_module_for_edit(me(), module_id)
    form = _item_form(kind, None, module.course)
    if request.method == "POST" and "preview" in request.form:
        form.validate_on_submit()
        return _render_item(module.course, form, kind, None, module,
                            preview=render_markdown(form.body.data or ""))
    item = _save_item(
        form, lambda: authoring_outline.add_item(
            me(), module_id, {"kind": kind, **item_fields(form, creating=True)}),
        "Item added.")
    if item is not None:
        return redirect(url_for("studio.item", item_id=item.id))
    return _render_item(module.course, form, kind, None, module, 422 if form.errors else 200)


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
def item(item_id: int):
    item = get_item_for_edit(me(), item_id)
    course = item.module.course
    form = _item_form(item.kind, item, course)
    if request.method == "POST" and "preview" in request.form:
        form.validate_on_submit()
        return _render_item(course, form, item.kind, item, item.module,
                            preview=render_markdown(form.body.data or ""))
    saved = _save_item(
        form, lambda: authoring_outline.update_item(
            me(), item_id, item_fields(form, creating=False)),
        "Item saved.")
    if saved is not None:
        return redirect(url_for("studio.item", item_id=item_id))
    return _render_item(course, form, item.kind, item, item.module, 422 if form.errors else 200)


@bp.post("/items/<int:item_id>/move")
def move_item(item_id: int):
    item = authoring_outline.move_item(me(), item_id, **_move_args())
    db.session.commit()
    return redirect(url_for("studio.outline", course_id=item.module.course_id,
                            _anchor=f"item-{item_id}"))


@bp.post("/items/<int:item_id>/delete")
def delete_item(item_id: int):
    module = authoring_outline.delete_item(me(), item_id)
    db.session.commit()
    flash("Item deleted.", "success")
    return redirect(url_for("studio.outline", course_id=module.course_id))


# --- co-instructors ------------------------------------------------------------------


@bp.route("/courses/<int:course_id>/instructors", methods=["GET", "POST"])
def instructors(course_id: int):
    course = authoring.get_course_for_studio(me(), course_id)
    form = InstructorForm()
    saved = save_form(
        form, lambda: authoring.add_instructor_by_email(me(), course_id, form.email.data),
        "Co-instructor added.")
    if saved is not None:
        return redirect(url_for("studio.instructors", course_id=course_id))
    return render_course_page("studio/instructors.html", course, 422 if form.errors else 200,
                              form=form)


@bp.post("/courses/<int:course_id>/instructors/<int:member_id>/remove")
def remove_instructor(course_id: int, member_id: int):
    try:
        authoring.remove_instructor(me(), course_id, member_id)
    except Conflict as exc:
        db.session.rollback()
        flash(exc.detail, "error")
        return redirect(url_for("studio.instructors", course_id=course_id))
    db.session.commit()
    flash("Instructor removed.", "success")
    if member_id == me().id:
        return redirect(url_for("studio.index"))
    return redirect(url_for("studio.instructors", course_id=course_id))
