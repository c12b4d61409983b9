"""Authoring a course's outline: modules and items, their order, and the media they use.

Every function takes the acting user, checks permission through
:mod:`lms.catalog.access` (on the source and the destination of a move), flushes
and never commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lms import signals
from lms.accounts.models import User
from lms.catalog import access
from lms.catalog.authoring_fields import (
    ITEM_CLEANERS,
    ITEM_SETTING_CLEANERS,
    MODULE_CLEANERS,
    clean_fields,
)
from lms.catalog.models import ITEM_KINDS, Caption, Course, Item, Module
from lms.errors import BadRequest, ValidationError
from lms.extensions import db
from lms.media import renditions
from lms.media.models import MediaAsset

#: Which media kinds each item kind accepts (reading and quiz items take none).
MEDIA_KINDS: dict[str, tuple[str, ...]] = {
    "video": ("video", "audio"),
    "file": ("pdf", "slides", "image", "audio", "video"),
    "package": ("package",),
}
CAPTION_KINDS = ("captions",)
SLIDE_KINDS = ("pdf", "slides")
#: Fields only video items have.
VIDEO_FIELDS = ("captions_media_id", "slides_media_id", "min_watch_percent")


# --- modules -------------------------------------------------------------------------


def add_module(actor: User | None, course_id: int, fields: dict[str, Any]) -> Module:
    """A module at the end of the course. Raises NotFound, Forbidden, ValidationError."""
    course = access.get_editable_course(actor, course_id)
    clean = clean_fields(fields, MODULE_CLEANERS)
    if "title" not in clean:
        raise ValidationError("Give the module a title.",
                              errors={"title": ["This field is required."]})
    module = Module(title=clean["title"], position=len(course.modules))
    course.modules.append(module)
    _set_prerequisite(module, course, clean.get("prerequisite_id"))
    db.session.flush()
    return module


def update_module(actor: User | None, module_id: int, fields: dict[str, Any]) -> Module:
    """Rename a module or set its prerequisite. Raises NotFound, Forbidden, ValidationError."""
    module = access.get_module_for_edit(actor, module_id)
    clean = clean_fields(fields, MODULE_CLEANERS)
    if "title" in clean:
        module.title = clean["title"]
    if "prerequisite_id" in clean:
        _set_prerequisite(module, module.course, clean["prerequisite_id"])
    db.session.flush()
    return module


def _set_prerequisite(module: Module, course: Course, prerequisite_id: int | None) -> None:
    if prerequisite_id is not None and (
            prerequisite_id == module.id
            or prerequisite_id not in {m.id for m in course.modules if m.id is not None}):
        raise ValidationError("Choose another module of this course.",
                              errors={"prerequisite_id": ["Choose another module of this course."]})
    module.prerequisite_id = prerequisite_id


def delete_module(actor: User | None, module_id: int) -> Course:
    """Delete a module and its items; returns the course. Raises NotFound, Forbidden."""
    module = access.get_module_for_edit(actor, module_id)
    course = module.course
    for other in course.modules:
        if other.prerequisite_id == module.id:
            other.prerequisite_id = None
    course.modules.remove(module)
    _renumber(course.modules)
    db.session.flush()
    return course


def move_module(actor: User | None, module_id: int, direction: str | None = None,
                position: int | None = None) -> Module:
    """Move a module one step ``up``/``down`` or to ``position`` (from 0).

    Raises NotFound, Forbidden, BadRequest (neither a direction nor a position).
    """
    module = access.get_module_for_edit(actor, module_id)
    _reorder(sorted(module.course.modules, key=_order), module, direction, position)
    db.session.flush()
    return module


# --- items ---------------------------------------------------------------------------


def add_item(actor: User | None, module_id: int, fields: dict[str, Any]) -> Item:
    """An item at the end of the module; ``kind`` is video, reading, file or quiz.

    Extra settings (quiz ``pass_percent``, ``max_attempts``, ``time_limit_seconds``)
    travel to higher domains in the ``item_created`` signal.
    Raises NotFound, Forbidden, ValidationError (bad field, media not usable or not fitting).
    """
    module = access.get_module_for_edit(actor, module_id)
    fields = dict(fields)
    kind = fields.pop("kind", None)
    if kind not in ITEM_KINDS:
        raise ValidationError("Choose the kind of item.",
                              errors={"kind": [f"Choose one of: {', '.join(ITEM_KINDS)}."]})
    settings = _settings(fields, kind)
    item = Item(kind=kind, title="", position=len(module.items), is_required=True,
                min_watch_percent=90)
    _apply_item_fields(actor, item, module.course, fields, creating=True)
    module.items.append(item)
    db.session.flush()
    signals.item_created.send(item.id, item=item, settings=settings, actor=actor)
    return item


def _settings(fields: dict[str, Any], kind: str) -> dict[str, Any]:
    """Pop and check the settings catalog passes on (only quiz items have any)."""
    given = {name: fields.pop(name) for name in list(fields) if name in ITEM_SETTING_CLEANERS}
    given = {name: value for name, value in given.items() if value is not None}
    if given and kind != "quiz":
        raise ValidationError("Only quiz items have quiz settings.",
                              errors={name: ["Only quiz items have this."] for name in given})
    return clean_fields(given, ITEM_SETTING_CLEANERS)


def update_item(actor: User | None, item_id: int, fields: dict[str, Any]) -> Item:
    """Change an item's fields (not its kind). Raises NotFound, Forbidden, ValidationError."""
    item = access.get_item_for_edit(actor, item_id)
    fields = dict(fields)
    if fields.pop("kind", item.kind) != item.kind:
        raise ValidationError("An item's kind cannot change; add a new item instead.",
                              errors={"kind": ["An item's kind cannot change."]})
    media_before = item.media_id
    _apply_item_fields(actor, item, item.module.course, fields, creating=False)
    db.session.flush()
    if item.media_id != media_before:
        signals.item_media_changed.send(item.id, item=item, actor=actor)
    return item


def _apply_item_fields(actor: User, item: Item, course: Course, fields: dict[str, Any],
                       creating: bool) -> None:
    clean = clean_fields(fields, ITEM_CLEANERS)
    if creating and "title" not in clean:
        raise ValidationError("Give the item a title.",
                              errors={"title": ["This field is required."]})
    _check_fits_kind(item.kind, clean)
    for name in ("title", "body", "transcript", "min_watch_percent", "recording_completes"):
        if name in clean:
            setattr(item, name, clean[name])
    if "required" in clean:
        item.is_required = clean["required"]
    if "media_id" in clean and item.kind in MEDIA_KINDS:  # others refused a non-null id
        item.media = _media(actor, course, clean["media_id"], "media_id", MEDIA_KINDS[item.kind])
    if "slides_media_id" in clean:
        item.slides = _media(actor, course, clean["slides_media_id"], "slides_media_id",
                             SLIDE_KINDS)
    if "captions_media_id" in clean:
        _set_captions(actor, item, course, clean)


def _check_fits_kind(kind: str, clean: dict[str, Any]) -> None:
    errors = {}
    if kind not in MEDIA_KINDS and clean.get("media_id") is not None:
        errors["media_id"] = [f"A {kind} item has no media; use a video, file or package item."]
    if kind != "video":
        errors.update({name: ["Only video items have this."]
                       for name in VIDEO_FIELDS if clean.get(name) is not None})
        if clean.get("recording_completes"):
            errors["recording_completes"] = ["Only a video can be a session's recording."]
    if errors:
        raise ValidationError("Some fields do not fit this kind of item.", errors=errors)


def _set_captions(actor: User, item: Item, course: Course, clean: dict[str, Any]) -> None:
    """Attach (or with no media, remove) the captions track of one language."""
    language = clean.get("captions_language") or "en"
    existing = next((c for c in item.captions if c.language == language), None)
    media = _media(actor, course, clean["captions_media_id"], "captions_media_id",
                   CAPTION_KINDS)
    if media is None:
        if existing is not None:
            item.captions.remove(existing)
        return
    if existing is None:
        existing = Caption(language=language)
        item.captions.append(existing)
    existing.media = media
    existing.label = clean.get("captions_label") or existing.label or "English"


def _media(actor: User, course: Course, media_id: int | None, field: str,
           kinds: tuple[str, ...]) -> MediaAsset | None:
    """The asset, if the actor may use it in this course and its kind fits."""
    if media_id is None:
        return None
    asset = db.session.get(MediaAsset, media_id)
    if asset is None or not may_use_media(actor, asset, course):
        raise ValidationError("No such media.",
                              errors={field: ["No such media, or not yours to use."]})
    if asset.status == "failed":
        raise ValidationError("That upload failed.",
                              errors={field: ["That upload failed; upload the file again."]})
    if asset.kind not in kinds:
        raise ValidationError("That media does not fit here.", errors={field: [
            f"This needs a {' or '.join(kinds)} file; that one is {asset.kind}."]})
    return asset


def may_use_media(actor: User, asset: MediaAsset, course: Course) -> bool:
    """Staff, the uploader, the course's instructors, or media the course already uses."""
    if actor.is_admin or asset.uploader_id == actor.id:
        return True
    instructor_ids = {link.user_id for link in course.instructor_links}
    if asset.uploader_id in instructor_ids:
        return True
    used = [i for m in course.modules for i in m.items
            if asset.id in (i.media_id, i.slides_media_id, *(c.media_id for c in i.captions))]
    return bool(used)


def usable_media(actor: User, course: Course, kinds: tuple[str, ...]) -> list[MediaAsset]:
    """Ready or pending assets of these kinds the actor's course may use, newest first."""
    uploaders = {link.user_id for link in course.instructor_links} | {actor.id}
    query = select(MediaAsset).where(MediaAsset.kind.in_(kinds),
                                     MediaAsset.status.in_(("ready", "pending")))
    if not actor.is_admin:
        query = query.where(MediaAsset.uploader_id.in_(uploaders))
    return list(db.session.execute(query.order_by(MediaAsset.created_at.desc())
                                   .limit(200)).scalars())


def delete_item(actor: User | None, item_id: int) -> Module:
    """Delete an item; returns its module. Raises NotFound, Forbidden."""
    item = access.get_item_for_edit(actor, item_id)
    module = item.module
    module.items.remove(item)
    _renumber(module.items)
    db.session.flush()
    return module


def move_item(actor: User | None, item_id: int, direction: str | None = None,
              position: int | None = None, module_id: int | None = None) -> Item:
    """Move an item up/down, to ``position`` (from 0), or into another module of its course.

    Moving to another module puts it at ``position`` there (default: the end).
    Raises NotFound (item or module), Forbidden (on either), ValidationError
    (a module of another course), BadRequest (no direction or position).
    """
    item = access.get_item_for_edit(actor, item_id)
    source = item.module
    if module_id is not None and module_id != source.id:
        target = access.get_module_for_edit(actor, module_id)
        if target.course_id != source.course_id:
            raise ValidationError("Items move only between modules of the same course.",
                                  errors={"module_id": ["Choose a module of this course."]})
        item.module = target
        _renumber(sorted(source.items, key=_order))
        position = len(target.items) - 1 if position is None else position
        direction = None
    _reorder(sorted(item.module.items, key=_order), item, direction, position)
    db.session.flush()
    return item


# --- ordering ------------------------------------------------------------------------


def _order(row: Module | Item) -> tuple[int, int]:
    return row.position, row.id or 0


def _reorder(rows: list, row: Module | Item, direction: str | None, position: int | None) -> None:
    index = rows.index(row)
    if direction in ("up", "down"):
        target = index - 1 if direction == "up" else index + 1
    elif position is not None:
        target = position
    else:
        raise BadRequest("Say where to move it: direction up or down, or a position.")
    rows.remove(row)
    rows.insert(min(max(target, 0), len(rows)), row)
    _renumber(rows)


def _renumber(rows: list) -> None:
    for position, row in enumerate(rows):
        row.position = position



def storage_use(course: Course) -> renditions.StorageUse:
    """What the files of the course's items (recordings with their renditions, slides,
    captions) take in the store; shown to the course's editors and staff."""
    ids = [i for m in course.modules for item in m.items
           for i in (item.media_id, item.slides_media_id)]
    ids += db.session.scalars(select(Caption.media_id).join(Item).join(Module)
                              .where(Module.course_id == course.id)).all()
    return renditions.storage_use(ids)
