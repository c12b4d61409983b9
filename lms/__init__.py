"""Core Learning: continuing education for library workers."""

from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent

#: Domains from lowest to highest: a domain imports only from those before it.
DOMAINS = ("accounts", "media", "catalog", "quizzes", "discussions", "packages", "progress",
           "certificates", "ledger", "live", "standards", "reports")
#: Infrastructure every domain may use; they import no domain.
LEAVES = ("storage", "jobs")
#: Tools above every domain: they may import any domain, and no domain imports them.
TOOLS = ("scaledata",)


def create_app(config_name: str = "default", **overrides) -> Flask:
    """Build the application; ``overrides`` replace settings (used by tests)."""
    from lms import origins

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=os.environ.get("LMS_INSTANCE_PATH") or str(ROOT / ".instance"),
    )
    load_config(app, config_name, overrides)
    register_operations(app)
    origins.init_app(app)
    register_extensions(app)
    register_error_handlers(app)
    register_web(app)
    register_blueprints(app)
    register_signals(app)
    register_cli(app)
    return app


def load_config(app: Flask, config_name: str, overrides: dict) -> None:
    from config import CONFIGS
    from lms import origins
    from lms.database import postgres_session_settings

    config_class = CONFIGS[config_name]
    app.config.from_object(config_class)
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'lms.db'}"
    postgres_session_settings(app.config)
    if not app.config.get("MEDIA_DIR"):
        app.config["MEDIA_DIR"] = str(Path(app.instance_path) / "media")
    if hasattr(config_class, "check"):
        config_class.check(app.config)
    origins.check(app.config)


def register_operations(app: Flask) -> None:
    """Request ids, logging and metrics: first, so every later hook's lines carry the id."""
    from lms import logs, metrics

    logs.init_app(app)
    metrics.init_app(app)


def register_extensions(app: Flask) -> None:
    from lms import database
    from lms.accounts.login import init_login
    from lms.extensions import csrf, db, limiter, login_manager, migrate
    from lms.jobs import queue as jobs_queue

    import_models()
    db.init_app(app)
    database.configure_engine(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), **database.MIGRATE_OPTIONS)
    login_manager.init_app(app)
    init_login(login_manager)
    csrf.init_app(app)
    limiter.init_app(app)
    jobs_queue.init_app(app)


def import_models() -> None:
    """Load every domain's models so the metadata (and migrations) see all tables."""
    for domain in (*DOMAINS, *LEAVES):
        name = f"lms.{domain}.models"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def register_error_handlers(app: Flask) -> None:
    from lms import errors

    errors.register_error_handlers(app)


def register_web(app: Flask) -> None:
    from lms import health, metrics, staticfiles, web

    web.init_app(app)
    staticfiles.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)
    if os.environ.get("LMS_PERF_COUNT_QUERIES") == "1":
        from lms import querycount

        querycount.init_app(app)


def domain_modules(kind: str):
    """Yield ``lms.<domain>.<kind>`` for every domain that has such a module."""
    for domain in DOMAINS:
        name = f"lms.{domain}.{kind}"
        if importlib.util.find_spec(name) is not None:
            yield importlib.import_module(name)


def register_blueprints(app: Flask) -> None:
    from lms import openapi, pages
    from lms.jobs import api as jobs_api
    from lms.jobs import views as jobs_views

    kinds = ("views", "studio", "api", "authoring_api", "attendance_views", "attendance_api",
             "cmi5_api", "launcher")
    modules = [module for kind in kinds for module in domain_modules(kind)]
    for module in (pages, openapi, jobs_views, jobs_api, *modules):
        app.register_blueprint(module.bp)


def register_signals(app: Flask) -> None:
    """Connect higher domains to the signals lower domains send (``receivers.connect()``)."""
    for module in domain_modules("receivers"):
        module.connect()


def register_cli(app: Flask) -> None:
    from lms import cli

    app.cli.add_command(cli.lms_group)
