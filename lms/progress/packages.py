"""SCORM runtime data → progress: what a package commits becomes the item's progress.

The player's runtime (scorm-again) commits the whole ``cmi`` object as JSON; it is
kept per member and item (bounded in size) to resume the package next time, and
the item's status is derived from it on every commit, from these facts only:

- SCORM 1.2: ``cmi.core.lesson_status`` "passed" or "completed" completes the item;
  when the manifest gives a mastery score and the package reports
  ``cmi.core.score.raw``, the raw score must reach it ("failed" never completes).
- SCORM 2004: ``cmi.completion_status`` "completed" or ``cmi.success_status``
  "passed" completes it, unless ``cmi.success_status`` is "failed".

Completion goes through ``completion.complete_item`` like every other item kind,
so the course, certificates and reports follow unchanged. A member writes only
their own row: the row is always the authenticated member's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from lms.accounts.models import User
from lms.catalog.models import Item
from lms.errors import TooLarge, ValidationError
from lms.extensions import db, utcnow
from lms.packages.models import PackageContent
from lms.packages.scorm import content_of_item
from lms.progress.completion import ReportResult, complete_item
from lms.progress.models import PackageRuntime
from lms.progress.record import record_event
from lms.progress.rows import locked_row

#: SCORM 2004 allows 64,000 characters of suspend data; interactions add more.
MAX_CMI_BYTES = 256 * 1024


@dataclass(frozen=True)
class Outcome:
    """What the runtime data says: completed, passed (None: unknown), score scaled 0–1."""

    completed: bool
    success: bool | None
    scaled: float | None


def scorm_content(item: Item) -> PackageContent:
    """The unpacked SCORM package of a package item. Raises ValidationError."""
    content = content_of_item(item) if item.kind == "package" else None
    if content is None or content.standard not in ("scorm12", "scorm2004"):
        raise ValidationError("This item does not play a SCORM package.",
                              errors={"cmi": ["This item takes no SCORM runtime data."]})
    return content


def record_commit(user: User, item: Item, enrollment, course, body: Any, *,
                  now: datetime | None = None) -> ReportResult:
    """Keep a SCORM commit (``{"cmi": {...}}``) and derive the item's progress from it.

    The caller checked that ``user`` may record progress on ``item`` (enrolled, not
    read-only, unlocked). Raises ValidationError (not a SCORM item, bad body) and
    TooLarge.
    """
    now = now or utcnow()
    content = scorm_content(item)
    cmi = body.get("cmi") if isinstance(body, dict) else None
    if not isinstance(cmi, dict):
        raise ValidationError("Send the runtime data as {\"cmi\": {...}}.",
                              errors={"cmi": ["Must be an object."]})
    if len(json.dumps(cmi, separators=(",", ":"))) > MAX_CMI_BYTES:
        raise TooLarge(f"The runtime data may be at most {MAX_CMI_BYTES:,} bytes.")
    _save_runtime(user.id, item.id, cmi, now)
    outcome = (scorm12_outcome(cmi, content.mastery_score) if content.standard == "scorm12"
               else scorm2004_outcome(cmi))
    return apply_outcome(user, item, enrollment, course, outcome, now)


def _save_runtime(user_id: int, item_id: int, cmi: dict, now: datetime) -> None:
    """Keep ``cmi`` as the member's runtime data, holding their progress row's lock (so
    two commits at once write one after the other, and create one row)."""
    locked_row(user_id, item_id, now)
    row = runtime_of(user_id, item_id)
    if row is None:
        row = PackageRuntime(user_id=user_id, item_id=item_id)
        db.session.add(row)
    row.cmi, row.updated_at = cmi, now


def runtime_of(user_id: int, item_id: int) -> PackageRuntime | None:
    return db.session.execute(select(PackageRuntime).where(
        PackageRuntime.user_id == user_id, PackageRuntime.item_id == item_id)
    ).scalar_one_or_none()


def apply_outcome(user: User, item: Item, enrollment, course, outcome: Outcome,
                  now: datetime) -> ReportResult:
    """Mark the item started, or complete it (once) recording success and score."""
    row = locked_row(user.id, item.id, now)
    if row.status == "completed" or not outcome.completed:
        if row.status == "not_started":
            row.status, row.updated_at = "in_progress", now
        db.session.flush()
        return ReportResult(item.id, row.percent, row.status == "completed",
                            row.last_position, False)
    result: dict[str, Any] = {"completion": True}
    if outcome.success is not None:
        result["success"] = outcome.success
    if outcome.scaled is not None:
        result["score"] = {"scaled": round(outcome.scaled, 4)}
    if outcome.success:
        record_event(user, "passed", course, item, now=now, result=result)
    return complete_item(user, item, course, enrollment, now)


def scorm12_outcome(cmi: dict, mastery_score: float | None) -> Outcome:
    core = cmi.get("core") if isinstance(cmi.get("core"), dict) else {}
    status = str(core.get("lesson_status") or "").lower()
    raw = _number(_get(core, "score", "raw"))
    top = _number(_get(core, "score", "max")) or 100.0
    scaled = max(0.0, min(1.0, raw / top)) if raw is not None and top > 0 else None
    if mastery_score is not None and raw is not None and status in ("passed", "completed",
                                                                    "failed"):
        passed = raw >= mastery_score
        return Outcome(completed=passed, success=passed, scaled=scaled)
    success = {"passed": True, "failed": False}.get(status)
    return Outcome(completed=status in ("passed", "completed"), success=success, scaled=scaled)


def scorm2004_outcome(cmi: dict) -> Outcome:
    completion = str(cmi.get("completion_status") or "").lower()
    success = {"passed": True, "failed": False}.get(str(cmi.get("success_status") or "").lower())
    scaled = _number(_get(cmi, "score", "scaled"))
    if scaled is None:
        raw, top = _number(_get(cmi, "score", "raw")), _number(_get(cmi, "score", "max"))
        scaled = raw / top if raw is not None and top else None
    scaled = max(0.0, min(1.0, scaled)) if scaled is not None else None
    done = (completion == "completed" or success is True) and success is not False
    return Outcome(completed=done, success=success, scaled=scaled)


def _get(data: dict, *names: str) -> Any:
    for name in names:
        if not isinstance(data, dict):
            return None
        data = data.get(name)
    return data


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def resume_data(user: User, item: Item, standard: str) -> dict:
    """The ``cmi`` the runtime starts from: the learner, and where they left off."""
    row = runtime_of(user.id, item.id)
    saved = row.cmi if row is not None and isinstance(row.cmi, dict) else {}
    if standard == "scorm12":
        core = saved.get("core") if isinstance(saved.get("core"), dict) else {}
        kept = {name: core[name] for name in ("lesson_location", "lesson_status")
                if isinstance(core.get(name), str) and core[name]}
        score = {k: v for k, v in (core.get("score") or {}).items()
                 if k in ("raw", "min", "max") and isinstance(v, str) and v}
        data = {"core": {"student_id": str(user.id), "student_name": user.name, **kept,
                         **({"score": score} if score else {})}}
    else:
        data = {name: saved[name] for name in ("location", "completion_status",
                                               "success_status")
                if isinstance(saved.get(name), str) and saved[name]}
        data.update(learner_id=str(user.id), learner_name=user.name)
    if isinstance(saved.get("suspend_data"), str) and saved["suspend_data"]:
        data["suspend_data"] = saved["suspend_data"]
    return data
