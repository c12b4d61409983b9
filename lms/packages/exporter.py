"""A course from the database as a package: plain data plus the assets behind its media names."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from lms.catalog.models import RENEWAL_WINDOW_DEFAULT, Course, Item, Module
from lms.media.models import MediaAsset
from lms.packages import quizzes_bridge
from lms.packages.format import MEDIA_NAME, CaptionSpec, CoursePackage, ItemSpec, ModuleSpec
from lms.packages.importer import career_stage_order
from lms.units import plain_number


def course_values(course: Course) -> dict[str, Any]:
    """course.toml's values in their written order; empty values are left out."""
    values: dict[str, Any] = {
        "slug": course.slug, "title": course.title, "summary": course.summary,
        "format": course.format, "status": course.status,
        "ce_hours": plain_number(course.ce_hours), "access": course.access,
        "topics": [topic.slug for topic in course.topics],
        "audience": career_stage_order([a.career_stage for a in course.audience]),
        "outcomes": course.outcomes.splitlines(), "presenters": course.presenters.splitlines(),
        "recorded_on": course.recorded_on, "certificate_enabled": course.certificate_enabled,
        "certificate_valid_months": course.certificate_valid_months,
        # Written only when it differs from the default, like the other settings.
        "renewal_window_days": (None if course.renewal_window_days == RENEWAL_WINDOW_DEFAULT
                                else course.renewal_window_days),
        "in_order": course.in_order, "enrol_window_days": course.enrol_window_days,
        "allow_downloads": None if course.allow_downloads else False,
    }
    values = {key: value for key, value in values.items() if value not in ("", [], None)}
    values["description"] = course.description.strip()
    return values


class MediaNames:
    """A unique, safe file name under ``media/`` for each asset (and each transcript)."""

    def __init__(self) -> None:
        self.assets: dict[str, MediaAsset] = {}
        self._names: dict[int, str] = {}
        self._taken: set[str] = set()

    def name(self, asset: MediaAsset | None) -> str | None:
        if asset is None:
            return None
        if asset.id not in self._names:
            self._names[asset.id] = self.free(asset.original_name)
            self.assets[self._names[asset.id]] = asset
        return self._names[asset.id]

    def free(self, wanted: str) -> str:
        path = PurePosixPath(_safe(wanted))
        name, n = path.name, 1
        while name in self._taken:
            n += 1
            name = f"{path.stem}-{n}{path.suffix}"
        self._taken.add(name)
        return name


def _safe(name: str) -> str:
    cleaned = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "-"
                      for ch in name).strip("-.") or "file"
    return cleaned if MEDIA_NAME.fullmatch(cleaned) else cleaned[-100:].lstrip("-._") or "file"


def build_package(course: Course) -> tuple[CoursePackage, dict[str, MediaAsset]]:
    """The course as a package, and the asset to copy for each media name."""
    names = MediaNames()
    modules = sorted(course.modules, key=lambda m: m.position)
    titles = {module.id: module.title for module in modules}
    specs = [ModuleSpec(module.title, [_item(item, names) for item in _items(module)],
                        titles.get(module.prerequisite_id or 0)) for module in modules]
    return CoursePackage(course_values(course), specs), names.assets


def _items(module: Module) -> list[Item]:
    return sorted(module.items, key=lambda i: i.position)


def _item(item: Item, names: MediaNames) -> ItemSpec:
    spec = ItemSpec(kind=item.kind, title=item.title, required=item.is_required,
                    body=item.body.strip())
    if item.kind in ("video", "file", "package"):
        spec.media = names.name(item.media)
    if item.kind == "video":
        spec.slides = names.name(item.slides)
        spec.min_watch_percent = item.min_watch_percent
        spec.recording = item.recording_completes
        spec.captions = [CaptionSpec(c.language, c.label, names.name(c.media) or "")
                         for c in sorted(item.captions, key=lambda c: c.language)]
        if item.transcript.strip():
            stem = PurePosixPath(spec.media or "transcript").stem
            spec.transcript = names.free(f"{stem}.txt")
            spec.transcript_text = item.transcript.strip("\n")
    if item.kind == "quiz":
        spec.quiz = quizzes_bridge.quiz_settings(item)
        spec.questions = quizzes_bridge.quiz_questions(item)
    if item.kind == "evaluation":
        spec.evaluation = quizzes_bridge.evaluation_questions(item)
    return spec
