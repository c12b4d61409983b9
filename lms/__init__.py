"""Core Learning: continuing education for library workers."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name: str = "default", **overrides) -> Flask:
    """Build the application; ``overrides`` replace settings (used by tests)."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=os.environ.get("LMS_INSTANCE_PATH") or str(ROOT / "instance"),
    )
    load_config(app, config_name, overrides)
    register_extensions(app)
    register_error_handlers(app)
    register_web(app)
    register_blueprints(app)
    register_signals(app)
    register_cli(app)
    return app


def load_config(app: Flask, config_name: str, overrides: dict) -> None:
    from config import CONFIGS

    config_class = CONFIGS[config_name]
    app.config.from_object(config_class)
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'lms.db'}"
    if not app.config.get("MEDIA_DIR"):
        app.config["MEDIA_DIR"] = str(Path(app.instance_path) / "media")
    if hasattr(config_class, "check"):
        config_class.check(app.config)


def register_extensions(app: Flask) -> None:
    from lms import database
    from lms.accounts.login import init_login
    from lms.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    database.configure_engine(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    init_login(login_manager)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)


def register_error_handlers(app: Flask) -> None:
    from lms import errors

    errors.register_error_handlers(app)


def register_web(app: Flask) -> None:
    from lms import health, web

    web.init_app(app)
    app.register_blueprint(health.bp)


def register_blueprints(app: Flask) -> None:
    from lms import openapi, pages
    from lms.accounts import api as accounts_api
    from lms.accounts import views as accounts_views

    for module in (pages, accounts_views, accounts_api, openapi):
        app.register_blueprint(module.bp)


def register_signals(app: Flask) -> None:
    """Connect higher domains to the signals lower domains send."""


def register_cli(app: Flask) -> None:
    from lms import cli

    app.cli.add_command(cli.lms_group)
