"""Course progress as plain data: the one computation every view of progress uses.

``compute`` is pure: it takes a course outline and a member's facts and returns
percent, per-module and per-item status, locks, "what's left" and the resume
target. The loaders in ``service.py`` fetch outline and facts in a fixed
number of queries, for one member or many.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from lms.units import duration


@dataclass(frozen=True)
class ItemInfo:
    id: int
    module_id: int
    kind: str
    title: str
    is_required: bool
    duration: float | None = None
    min_watch_percent: int = 90
    pass_percent: int | None = None


@dataclass(frozen=True)
class ModuleInfo:
    id: int
    title: str
    prerequisite_id: int | None
    items: tuple[ItemInfo, ...]


@dataclass(frozen=True)
class Outline:
    course_id: int
    slug: str
    title: str
    in_order: bool
    modules: tuple[ModuleInfo, ...]

    @property
    def items(self) -> list[ItemInfo]:
        return [item for module in self.modules for item in module.items]


@dataclass(frozen=True)
class Facts:
    """What the database knows about one member and one item."""

    status: str = "not_started"
    percent: int = 0
    watched_seconds: float = 0.0
    last_position: float = 0.0
    last_activity_at: datetime | None = None
    completed_at: datetime | None = None
    set_by: str | None = None
    set_reason: str | None = None
    #: When the member first opened the item (their credit clock starts there).
    first_opened_at: datetime | None = None


#: The facts of an item the member never opened (shared: Facts is frozen).
NO_FACTS = Facts()


@dataclass
class ItemStatus:
    id: int
    module_id: int
    kind: str
    title: str
    is_required: bool
    status: str
    percent: int
    last_position: float
    locked: bool = False
    lock_reason: str | None = None
    remaining_seconds: float | None = None
    completed_at: datetime | None = None
    set_by: str | None = None
    set_reason: str | None = None

    @property
    def is_complete(self) -> bool:
        return self.status == "completed"


@dataclass
class ModuleStatus:
    id: int
    title: str
    status: str
    locked: bool
    lock_reason: str | None
    items: list[ItemStatus] = field(default_factory=list)


@dataclass
class CourseProgress:
    course_id: int
    slug: str
    title: str
    percent: int
    completed_at: datetime | None
    modules: list[ModuleStatus]
    whats_left: list[str]
    resume: ItemStatus | None

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None

    @property
    def items(self) -> list[ItemStatus]:
        return [item for module in self.modules for item in module.items]

    def item(self, item_id: int) -> ItemStatus | None:
        return next((item for item in self.items if item.id == item_id), None)

    def neighbours(self, item_id: int) -> tuple[ItemStatus | None, ItemStatus | None]:
        """The items before and after ``item_id`` in course order."""
        items = self.items
        index = next((i for i, item in enumerate(items) if item.id == item_id), None)
        if index is None:
            return None, None
        before = items[index - 1] if index > 0 else None
        after = items[index + 1] if index + 1 < len(items) else None
        return before, after


def compute(outline: Outline, facts: dict[int, Facts], completed_at: datetime | None,
            *, ignore_locks: bool = False) -> CourseProgress:
    """Progress of one member through one course (``ignore_locks`` for editors' previews)."""
    done = {i.id for i in outline.items if facts.get(i.id, NO_FACTS).status == "completed"}
    modules = _modules(outline, facts, done, ignore_locks)
    items = [item for module in modules for item in module.items]
    info = {item.id: item for item in outline.items}
    return CourseProgress(
        course_id=outline.course_id, slug=outline.slug, title=outline.title,
        percent=_percent(items, info, completed_at), completed_at=completed_at,
        modules=modules, whats_left=[_left(i, info[i.id]) for i in items
                                     if i.is_required and not i.is_complete],
        resume=_resume(items, facts))


def _modules(outline: Outline, facts: dict[int, Facts], done: set[int],
             ignore_locks: bool) -> list[ModuleStatus]:
    titles = {module.id: module for module in outline.modules}
    blocker: ItemInfo | None = None  # first incomplete required item so far (in-order courses)
    modules = []
    for module in outline.modules:
        reason = None
        prerequisite = titles.get(module.prerequisite_id)
        if prerequisite and not ignore_locks and not _module_done(prerequisite, done):
            reason = f"Complete the module '{prerequisite.title}' first."
        statuses = []
        for item in module.items:
            item_reason = reason
            if item_reason is None and blocker and outline.in_order and not ignore_locks:
                item_reason = f"Complete '{blocker.title}' first."
            statuses.append(_item_status(item, facts.get(item.id, NO_FACTS), item_reason))
            if item.is_required and item.id not in done and blocker is None:
                blocker = item
        modules.append(ModuleStatus(module.id, module.title, _module_status(statuses, reason),
                                    reason is not None, reason, statuses))
    return modules


def _module_done(module: ModuleInfo, done: set[int]) -> bool:
    return all(item.id in done for item in module.items if item.is_required)


def _module_status(items: list[ItemStatus], reason: str | None) -> str:
    required = [item for item in items if item.is_required] or items
    if all(item.is_complete for item in required):
        return "completed"
    if reason is not None:
        return "locked"
    started = any(item.status != "not_started" for item in items)
    return "in_progress" if started else "not_started"


def _item_status(item: ItemInfo, facts: Facts, lock_reason: str | None) -> ItemStatus:
    complete = facts.status == "completed"
    locked = lock_reason is not None and not complete
    return ItemStatus(
        id=item.id, module_id=item.module_id, kind=item.kind, title=item.title,
        is_required=item.is_required, status=facts.status, percent=facts.percent,
        last_position=facts.last_position, locked=locked,
        lock_reason=lock_reason if locked else None,
        remaining_seconds=None if complete else _remaining(item, facts),
        completed_at=facts.completed_at, set_by=facts.set_by, set_reason=facts.set_reason)


def _remaining(item: ItemInfo, facts: Facts) -> float | None:
    """Unique seconds still to watch before a video counts as complete."""
    if item.kind != "video" or not item.duration:
        return None
    needed = item.duration * item.min_watch_percent / 100
    return max(0.0, needed - facts.watched_seconds)


def _share(status: ItemStatus, info: ItemInfo) -> tuple[int, int]:
    """How much of one required item counts towards the course percent (0 to 1), exactly:
    numerator and denominator."""
    if status.is_complete:
        return 1, 1
    if status.locked or info.kind != "video" or info.min_watch_percent <= 0:
        return 0, 1
    return min(status.percent, info.min_watch_percent), info.min_watch_percent


def _percent(items: list[ItemStatus], info: dict[int, ItemInfo],
             completed_at: datetime | None) -> int:
    """Share of the required items done; optional items never count, locked ones count 0."""
    required = [item for item in items if item.is_required]
    if completed_at is not None:
        return 100
    if not required:
        return 0
    # Shares are k / min_watch_percent: add numerators per denominator as integers, then
    # add the few fractions (exact, like summing each share, at a tenth of the cost).
    numerators: dict[int, int] = {}
    for item in required:
        numerator, denominator = _share(item, info[item.id])
        numerators[denominator] = numerators.get(denominator, 0) + numerator
    shares = sum((Fraction(n, d) for d, n in numerators.items()), Fraction(0))
    return min(math.floor(100 * shares / len(required)), 99)


def _left(status: ItemStatus, info: ItemInfo) -> str:
    text = _todo(status, info)
    if status.locked and status.lock_reason:
        text += f" (locked: {status.lock_reason[0].lower()}{status.lock_reason[1:-1]})"
    return text


def _todo(status: ItemStatus, info: ItemInfo) -> str:
    title = f"'{info.title}'"
    if info.kind == "video":
        remaining = status.remaining_seconds
        if remaining is None or remaining <= 0:
            return f"Watch {title}"
        return f"Watch {duration(math.ceil(remaining))} more of {title}"
    if info.kind == "quiz":
        needed = f" ({info.pass_percent}% needed)" if info.pass_percent is not None else ""
        return f"Pass {title}{needed}"
    if info.kind == "file":
        return f"Download {title}"
    if info.kind == "evaluation":
        return f"Submit the evaluation {title}"
    if info.kind == "session":
        return f"Attend the live session {title}"
    if info.kind == "package":
        return f"Complete {title}"
    return f"Read {title} and mark it as done"


def _resume(items: list[ItemStatus], facts: dict[int, Facts]) -> ItemStatus | None:
    """Where to continue: the latest item touched and not done, else the next to do."""
    open_items = [item for item in items if not item.locked and not item.is_complete]
    touched = [item for item in open_items if facts.get(item.id, NO_FACTS).last_activity_at]
    if touched:
        return max(touched, key=lambda item: facts[item.id].last_activity_at)
    required = [item for item in open_items if item.is_required]
    return (required or open_items or items or [None])[0]
