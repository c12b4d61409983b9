"""Plain factory functions with overrides, and a login helper for the test client."""

from __future__ import annotations

import itertools
import re

from werkzeug.security import generate_password_hash

from lms.accounts.models import User
from lms.extensions import db

PASSWORD = "correct horse battery"
_PASSWORD_HASH = generate_password_hash(PASSWORD)
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
    from lms.accounts.service import issue_api_token

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
        return self.client.post("/logout", data={"csrf_token": self.csrf("/")})

    def post(self, path: str, data: dict | None = None, **kwargs):
        """POST a form with a fresh CSRF token taken from the home page."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf("/"))
        return self.client.post(path, data=data, **kwargs)
