"""Flask-Login wiring: sessions carry a version so they can all be ended at once."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_login import LoginManager

from lms.errors import Unauthorized


def init_login(manager: LoginManager) -> None:
    from lms.accounts.service import load_session_user

    manager.login_view = "accounts.login"
    manager.login_message = "Please log in to see that page."
    manager.session_protection = "basic"
    manager.user_loader(load_session_user)
    manager.unauthorized_handler(unauthorized)


def unauthorized():
    if request.path.startswith("/api/"):
        raise Unauthorized("Send an access token: Authorization: Bearer <token>.")
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
