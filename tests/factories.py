"""Plain factory functions with overrides, and a login helper for the test client."""

from __future__ import annotations

import itertools
import re

from werkzeug.security import generate_password_hash

from config import TestConfig
from lms.accounts.models import User
from lms.extensions import db

PASSWORD = "correct horse battery"
#: Made like the app's own hashes (TestConfig's method), so logging in costs what it would.
_PASSWORD_HASH = generate_password_hash(PASSWORD, method=TestConfig.PASSWORD_HASH_METHOD)
_counter = itertools.count(1)


def make_user(**over) -> User:
    """A committed member; ``role="instructor"|"admin"`` grants a role."""
    n = next(_counter)
    role = over.pop("role", "member")
    fields = {
        "email": f"member{n}@example.org", "name": f"Member {n}",
        "certificate_name": f"Member {n}", "password_hash": _PASSWORD_HASH,
        "is_instructor": role in ("instructor", "admin"), "is_admin": role == "admin",
    }
    fields.update(over)
    user = User(**fields)
    db.session.add(user)
    db.session.commit()
    return user


def api_headers(user: User) -> dict[str, str]:
    from lms.accounts.tokens import issue_api_token

    token, _ = issue_api_token(user, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    if not match:
        match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class Auth:
    """Logs the test client in and out through the real pages."""

    def __init__(self, client) -> None:
        self.client = client

    def csrf(self, path: str = "/login") -> str:
        return csrf_from(self.client.get(path).get_data(as_text=True))

    def login(self, email: str, password: str = PASSWORD, remember: bool = False, **extra):
        data = {"email": email, "password": password, "csrf_token": self.csrf()}
        if remember:
            data["remember"] = "y"
        return self.client.post("/login", data=data, **extra)

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.any_csrf()})

    def any_csrf(self) -> str:
        """The home page's token, or the login form's when nobody is logged in
        (pages for anonymous visitors carry no token, so they set no cookie)."""
        home = self.client.get("/").get_data(as_text=True)
        return csrf_from(home) if "csrf" in home else self.csrf()

    def post(self, path: str, data: dict | None = None, **kwargs):
        """POST a form with a fresh CSRF token."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.any_csrf())
        return self.client.post(path, data=data, **kwargs)


def make_media(**over):
    """A ready media asset row (no bytes stored unless a test stores them)."""
    from lms.media.models import MediaAsset

    n = next(_counter)
    fields = {"storage_backend": "local", "storage_key": f"media/test-{n}/1",
              "original_name": f"recording-{n}.mp4", "content_type": "video/mp4",
              "kind": "video", "size": 1000, "status": "ready", "duration_seconds": 120.0}
    fields.update(over)
    media = MediaAsset(**fields)
    db.session.add(media)
    db.session.commit()
    return media


def make_course(instructors=(), modules: int = 0, items_per_module: int = 0, **over):
    """A committed course (published unless ``status`` says otherwise).

    ``modules``/``items_per_module`` add that many reading items, all required.
    """
    from decimal import Decimal

    from lms.catalog.models import Course, CourseInstructor

    n = next(_counter)
    fields = {"slug": f"course-{n}", "title": f"Course {n}", "summary": f"Summary {n}",
              "description": "", "format": "course", "ce_hours": Decimal("1.5"),
              "status": "published", "access": "open"}
    fields.update(over)
    course = Course(**fields)
    course.instructor_links = [CourseInstructor(user=user) for user in instructors]
    db.session.add(course)
    db.session.flush()
    for m in range(modules):
        module = make_module(course, commit=False, title=f"Module {m + 1}", position=m)
        for i in range(items_per_module):
            make_item(module, commit=False, title=f"Reading {m + 1}.{i + 1}", position=i)
    db.session.commit()
    return course


def make_module(course, commit: bool = True, **over):
    from lms.catalog.models import Module

    fields = {"title": "Module", "position": len(course.modules)}
    fields.update(over)
    module = Module(course=course, **fields)
    db.session.add(module)
    db.session.commit() if commit else db.session.flush()
    return module


def make_item(module, commit: bool = True, **over):
    """A reading item by default; pass ``kind="video", media=make_media()`` for a video."""
    from lms.catalog.models import Item

    fields = {"kind": "reading", "title": "Item", "position": len(module.items),
              "body": "Some text.", "is_required": True}
    fields.update(over)
    item = Item(module=module, **fields)
    db.session.add(item)
    db.session.commit() if commit else db.session.flush()
    return item


def enrol(user, course, **over):
    from lms.catalog.models import Enrollment

    enrollment = Enrollment(user=user, course=course, **over)
    db.session.add(enrollment)
    db.session.commit()
    return enrollment


def bulk_members(count: int) -> list[int]:
    """``count`` members inserted in one statement (for tests whose subject is bulk work)."""
    from sqlalchemy import insert

    from lms.extensions import utcnow

    now, batch = utcnow(), next(_counter)
    rows = [{"email": f"bulk{batch}-{n}@example.org", "name": f"Finisher {n}",
             "certificate_name": f"Finisher {n}", "password_hash": "x", "is_instructor": False,
             "is_admin": False, "is_active": True, "session_version": 1,
             "extra_time_percent": 0, "created_at": now} for n in range(count)]
    return list(db.session.scalars(insert(User).returning(User.id), rows))


def bulk_completions(course, member_ids: list[int]) -> None:
    """Each of ``member_ids`` enrolled nine days ago and completed ``course`` yesterday."""
    from datetime import timedelta

    from sqlalchemy import insert

    from lms.catalog.models import Enrollment
    from lms.extensions import utcnow

    now = utcnow()
    db.session.execute(insert(Enrollment), [
        {"user_id": user_id, "course_id": course.id, "enrolled_at": now - timedelta(days=9),
         "completed_at": now - timedelta(days=1)} for user_id in member_ids])
    db.session.commit()
