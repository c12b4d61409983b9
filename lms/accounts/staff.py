"""Staff managing members: finding them, their roles, access and quiz-time accommodations.

Plain functions; each checks that the actor is site staff, flushes, and leaves the
commit to the caller.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select

from lms.accounts.models import ROLES, User
from lms.accounts.service import require_admin, revoke_credentials
from lms.errors import Conflict, NotFound, ValidationError
from lms.extensions import db


def get_member(actor: User | None, member_id: int) -> User:
    require_admin(actor)
    user = db.session.get(User, member_id)
    if user is None:
        raise NotFound("No such member.")
    return user


def search_members(actor: User | None, q: str = "", page: int = 1, per_page: int = 50,
                   role: str | None = None):
    """Admin search by name, certificate name or email, optionally only holders of ``role``.

    Returns ``(members, total)``; raises Forbidden unless ``actor`` is an admin.
    """
    require_admin(actor)
    query = select(User)
    if q := (q or "").strip():
        pattern = "%" + _escape_like(q.lower()) + "%"
        query = query.where(or_(*(column.like(pattern, escape="\\") for column in (
            func.lower(User.name), func.lower(User.certificate_name), User.email))))
    if role == "instructor":
        query = query.where(User.is_instructor)
    elif role == "admin":
        query = query.where(User.is_admin)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    members = db.session.execute(
        query.order_by(func.lower(User.name), User.id).limit(per_page)
        .offset((page - 1) * per_page)
    ).scalars().all()
    return list(members), total


def _escape_like(text: str) -> str:
    """Make ``%`` and ``_`` in a search match themselves rather than act as wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def set_roles(actor: User | None, member_id: int, roles: list[str]) -> User:
    """Grant exactly these roles (``member`` is implied). Admins cannot drop their own admin."""
    user = get_member(actor, member_id)
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not isinstance(roles, list):
        raise ValidationError("Unknown role.", errors={"roles": [f"Roles are {', '.join(ROLES)}."]})
    if user.id == actor.id and "admin" not in roles:
        raise Conflict("You cannot remove your own admin role.")
    user.is_instructor = "instructor" in roles
    user.is_admin = "admin" in roles
    db.session.flush()
    return user


def set_active(actor: User | None, member_id: int, active: bool) -> User:
    """Allow or stop a member's access. Deactivating ends their sessions and revokes
    their API tokens, so reactivating later revives neither."""
    user = get_member(actor, member_id)
    if user.id == actor.id and not active:
        raise Conflict("You cannot deactivate your own account.")
    if user.is_active and not active:
        revoke_credentials(user)
    user.is_active = active
    db.session.flush()
    return user


def set_extra_time(actor: User | None, member_id: int, percent: int) -> User:
    """Set a quiz-time accommodation (0–300 percent extra)."""
    user = get_member(actor, member_id)
    if not 0 <= percent <= 300:
        raise ValidationError("Extra time is 0 to 300 percent.",
                              errors={"extra_time_percent": ["Use 0 to 300."]})
    user.extra_time_percent = percent
    db.session.flush()
    return user
