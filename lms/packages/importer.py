"""Bringing a course (or one module) in line with a package, through catalog's authoring service.

Modules and items are matched by position; a field is written only when it
differs, so importing the same package again changes nothing: no new rows, no
uploads, the same ids. Every change is described in plain words for the studio's
preview and the command line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from lms.accounts.models import CAREER_STAGES, User
from lms.catalog import access, authoring, authoring_outline
from lms.catalog.authoring_fields import COURSE_CLEANERS, clean_fields
from lms.catalog.models import RENEWAL_WINDOW_DEFAULT, Course, Item, Module, Topic
from lms.errors import ValidationError
from lms.extensions import db
from lms.packages import quizzes_bridge
from lms.packages.format import CoursePackage, ItemSpec, ModuleSpec
from lms.packages.media_sync import MediaSync, course_assets

#: What a course field is when course.toml leaves it out.
COURSE_DEFAULTS: dict[str, Any] = {
    "summary": "", "description": "", "format": "course", "ce_hours": "1", "access": "open",
    "topics": [], "audience": [], "outcomes": [], "presenters": [], "recorded_on": None,
    "certificate_enabled": True, "certificate_valid_months": None,
    "renewal_window_days": RENEWAL_WINDOW_DEFAULT, "in_order": False,
    "enrol_window_days": None, "allow_downloads": True,
}
STATUS_ACTIONS = {"published": "publish", "draft": "unpublish", "archived": "archive"}


@dataclass
class Changes:
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.lines.append(line)


@dataclass
class Importer:
    actor: User
    media: MediaSync
    changes: Changes = field(default_factory=Changes)
    #: Ids of the items this import created (their fields are not listed as changes).
    created: set[int] = field(default_factory=set)

    # --- course ------------------------------------------------------------------------

    def course(self, package: CoursePackage) -> Course:
        """Create or update the course with the package's slug, then its outline and status."""
        wanted = dict(COURSE_DEFAULTS) | package.course
        status = wanted.pop("status", "draft")
        wanted["topics"] = self._known_topics(wanted["topics"])
        clean = clean_fields(wanted, COURSE_CLEANERS)
        course = db_course(clean["slug"])
        if course is None:
            course = authoring.create_course(self.actor, clean)
            self.changes.add(f"Create the {clean['format']} “{clean['title']}” ({clean['slug']}).")
        else:
            access.get_editable_course(self.actor, course.id)
            self.media.know(course_assets(course))
            self._update_course(course, clean)
        self.outline(course, package.modules)
        self._status(course, status)
        return course

    def _known_topics(self, slugs: Any) -> Any:
        if not isinstance(slugs, list):
            return slugs
        known = set(db.session.execute(select(Topic.slug).where(Topic.slug.in_(slugs)))
                    .scalars())
        for slug in slugs:
            if slug not in known:
                self.changes.warnings.append(f"Topic “{slug}” does not exist on this site and "
                                             "was left out; staff can add it.")
        return [slug for slug in slugs if slug in known]

    def _update_course(self, course: Course, clean: dict[str, Any]) -> None:
        changed = {name: value for name, value in clean.items()
                   if _comparable(name, value) != _comparable(name, course_value(course, name))}
        if changed:
            authoring.update_course(self.actor, course.id, changed)
            self.changes.add(f"Course details: change {', '.join(sorted(changed))}.")

    def _status(self, course: Course, status: str) -> None:
        action = STATUS_ACTIONS.get(status)
        if action is None:
            raise_field("status", "Status is draft, published or archived.")
        if course.status == status and not (status == "published" and self.changes.lines):
            return
        if status == "draft" and course.status != "published":
            return
        again = action == "publish" and course.status == "published"
        getattr(authoring, action)(self.actor, course.id)
        self.changes.add("Publish the course again (its version goes up)." if again else
                         {"publish": "Publish the course.", "unpublish": "Unpublish the course.",
                          "archive": "Archive the course."}[action])

    # --- modules -----------------------------------------------------------------------

    def outline(self, course: Course, modules: list[ModuleSpec]) -> None:
        existing = sorted(course.modules, key=lambda m: m.position)
        for index, spec in enumerate(modules):
            current = existing[index] if index < len(existing) else None
            self.module(course, spec, current)
        for extra in existing[len(modules):]:
            self.changes.add(f"Delete the module “{extra.title}” and its items.")
            authoring_outline.delete_module(self.actor, extra.id)
        self._prerequisites(course, modules)

    def module(self, course: Course, spec: ModuleSpec, current: Module | None) -> Module:
        """Create or update one module and its items."""
        if current is None:
            current = authoring_outline.add_module(self.actor, course.id, {"title": spec.title})
            self.changes.add(f"Add the module “{spec.title}”.")
        elif current.title != spec.title:
            authoring_outline.update_module(self.actor, current.id, {"title": spec.title})
            self.changes.add(f"Rename the module “{current.title}” to “{spec.title}”.")
        self._items(current, spec)
        return current

    def module_into(self, course: Course, spec: ModuleSpec) -> Module:
        """A module package: update the course's module of that title, or add it at the end."""
        self.media.know(course_assets(course))
        current = next((m for m in course.modules if m.title == spec.title), None)
        module = self.module(course, spec, current)
        titles = {m.title: m.id for m in course.modules}
        wanted = titles.get(spec.prerequisite) if spec.prerequisite else None
        if module.prerequisite_id != wanted:
            authoring_outline.update_module(self.actor, module.id, {"prerequisite_id": wanted})
            self.changes.add(f"Module “{module.title}”: prerequisite changed.")
        if course.status == "published" and self.changes.lines:
            authoring.publish(self.actor, course.id)
            self.changes.add("Publish the course again (its version goes up).")
        return module

    def _prerequisites(self, course: Course, modules: list[ModuleSpec]) -> None:
        ordered = sorted(course.modules, key=lambda m: m.position)
        by_title = {module.title: module.id for module in ordered}
        for module, spec in zip(ordered, modules, strict=False):
            wanted = by_title.get(spec.prerequisite) if spec.prerequisite else None
            if module.prerequisite_id != wanted:
                authoring_outline.update_module(self.actor, module.id,
                                                {"prerequisite_id": wanted})
                self.changes.add(f"Module “{module.title}”: prerequisite "
                                 f"{'“' + spec.prerequisite + '”' if wanted else 'removed'}.")

    # --- items -------------------------------------------------------------------------

    def _items(self, module: Module, spec: ModuleSpec) -> None:
        for index, item_spec in enumerate(spec.items):
            existing = sorted(module.items, key=lambda i: i.position)
            current = existing[index] if index < len(existing) else None
            if current is not None and current.kind != item_spec.kind:
                self.changes.add(f"Replace the {current.kind} “{current.title}” with the "
                                 f"{item_spec.kind} “{item_spec.title}”.")
                authoring_outline.delete_item(self.actor, current.id)
                current = None
            if current is None:
                current = self._add_item(module, item_spec, index)
            self.item(current, item_spec)
        for extra in sorted(module.items, key=lambda i: i.position)[len(spec.items):]:
            self.changes.add(f"Delete the {extra.kind} “{extra.title}”.")
            authoring_outline.delete_item(self.actor, extra.id)

    def _add_item(self, module: Module, spec: ItemSpec, index: int) -> Item:
        item = authoring_outline.add_item(self.actor, module.id,
                                          {"kind": spec.kind, "title": spec.title})
        if item.position != index:
            authoring_outline.move_item(self.actor, item.id, position=index)
        self.changes.add(f"Add the {spec.kind} “{spec.title}” to “{module.title}”.")
        self.created.add(item.id)
        return item

    def item(self, item: Item, spec: ItemSpec) -> None:
        """Write the item's fields, captions and quiz where they differ from the package."""
        wanted = self._item_fields(spec)
        changed = {name: value for name, value in wanted.items() if item_value(item, name) != value}
        if changed:
            authoring_outline.update_item(self.actor, item.id, changed)
        changed_names = set(changed)
        if spec.kind == "video" and self._captions(item, spec):
            changed_names.add("captions")
        if spec.kind == "quiz":
            changed_names |= set(quizzes_bridge.sync_settings(self.actor, item, spec.quiz))
            if quizzes_bridge.sync_questions(self.actor, item, spec.questions):
                changed_names.add("questions")
        if spec.kind == "evaluation" and quizzes_bridge.sync_evaluation(
                self.actor, item, spec.evaluation):
            changed_names.add("questions")
        if changed_names and item.id not in self.created:
            self.changes.add(f"The {spec.kind} “{spec.title}”: change "
                             f"{', '.join(sorted(changed_names))}.")

    def _item_fields(self, spec: ItemSpec) -> dict[str, Any]:
        fields: dict[str, Any] = {"title": spec.title, "required": spec.required,
                                  "body": spec.body}
        if spec.kind in ("video", "file", "package"):
            fields["media_id"] = self.media.asset(spec.media).id if spec.media else None
        if spec.kind == "video":
            fields["slides_media_id"] = self.media.asset(spec.slides).id if spec.slides else None
            fields["transcript"] = spec.transcript_text
            fields["min_watch_percent"] = spec.min_watch_percent
            fields["recording_completes"] = spec.recording
        return fields

    def _captions(self, item: Item, spec: ItemSpec) -> bool:
        current = {caption.language: caption for caption in item.captions}
        changed = False
        for caption in spec.captions:
            asset = self.media.asset(caption.file)
            have = current.pop(caption.language, None)
            if have is None or have.media_id != asset.id or have.label != caption.label:
                authoring_outline.update_item(self.actor, item.id, {
                    "captions_media_id": asset.id, "captions_language": caption.language,
                    "captions_label": caption.label})
                changed = True
        for language in current:
            authoring_outline.update_item(self.actor, item.id, {
                "captions_media_id": None, "captions_language": language})
            changed = True
        return changed


def db_course(slug: str) -> Course | None:
    return db.session.execute(select(Course).where(Course.slug == slug)).scalar_one_or_none()


def course_value(course: Course, name: str) -> Any:
    if name == "topics":
        return [topic.slug for topic in course.topics]
    if name == "audience":
        return [entry.career_stage for entry in course.audience]
    return getattr(course, name)


def _comparable(name: str, value: Any) -> Any:
    if name in ("topics", "audience"):
        return sorted(value or [])
    if name == "ce_hours" and value is not None:
        return Decimal(value)
    return value


def item_value(item: Item, name: str) -> Any:
    if name == "required":
        return item.is_required
    return getattr(item, name)


def career_stage_order(stages: list[str]) -> list[str]:
    order = list(CAREER_STAGES)
    return sorted(stages, key=lambda stage: order.index(stage) if stage in order else len(order))


def raise_field(name: str, message: str) -> None:
    raise ValidationError(message, errors={name: [message]})
