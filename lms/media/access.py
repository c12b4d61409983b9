"""Who may see a media asset's content: the uploader, staff, and hooks.

Media sits below catalog and progress, so it cannot ask "is this member enrolled
in a course that uses this video?" itself. Higher domains answer that by
registering an access check, the same way they connect to ``lms/signals.py``.
"""

from __future__ import annotations

from collections.abc import Callable

from lms.accounts.models import User
from lms.media.models import MediaAsset

#: ``check(user, asset) -> bool``: True lets ``user`` (None when anonymous) read
#: the content of the ready ``asset``. Runs inside the request's transaction; it
#: may query, never write. Registered by higher domains (catalog: "an item using
#: it is visible to the member"), from their ``receivers.connect()``. A check may
#: instead raise a ``lms.errors`` exception to refuse with a reason the member can act
#: on (catalog: Conflict, "the item using it is locked").
AccessCheck = Callable[[User | None, MediaAsset], bool]

_checks: list[AccessCheck] = []


def register_access_check(check: AccessCheck) -> AccessCheck:
    """Add ``check`` (once, however often apps are created); usable as a decorator."""
    if check not in _checks:
        _checks.append(check)
    return check


def unregister_access_check(check: AccessCheck) -> None:
    """Remove ``check``; for tests that register a temporary one."""
    if check in _checks:
        _checks.remove(check)


def can_view(user: User | None, asset: MediaAsset) -> bool:
    """The uploader and staff always; anyone else when a hook says yes."""
    if user is not None and (user.is_admin or asset.uploader_id == user.id):
        return True
    return any(check(user, asset) for check in _checks)
