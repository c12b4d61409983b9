"""One instance of each Flask extension, initialised by ``create_app``."""

from __future__ import annotations

from datetime import UTC, datetime
from weakref import WeakKeyDictionary

from flask import Flask, current_app, g, has_request_context
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf.csrf import CSRFProtect
from limits.storage import Storage
from limits.strategies import RateLimiter
from sqlalchemy import DateTime, Engine, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python.

    PostgreSQL stores ``timestamptz``; SQLite has no zones, so values are stored
    as naive UTC and given their zone back on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is UTC:  # PostgreSQL sessions run in UTC (lms.database)
            return value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class RequestSession(FlaskSession):
    """Flask-SQLAlchemy's session; a GET on PostgreSQL runs without BEGIN and ROLLBACK.

    A request flagged by :func:`lms.database.read_without_transaction` gets an
    autocommit connection: each statement is its own transaction (the same
    snapshot per statement that READ COMMITTED gives inside one), and a page that
    only reads saves two round trips. The one write a GET may make, the player's
    first-open clock, is a single conditional statement either way.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if has_request_context() and g.get("autocommit_reads"):
            return autocommit(engine)
        return engine


_autocommit_engines: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()


def autocommit(engine: Engine) -> Engine:
    """The engine with the same pool whose connections run in autocommit mode."""
    found = _autocommit_engines.get(engine)
    if found is None:
        found = _autocommit_engines[engine] = engine.execution_options(
            isolation_level="AUTOCOMMIT")
    return found


db = SQLAlchemy(model_class=Base, session_options={"class_": RequestSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


class AppLimiter(Limiter):
    """Flask-Limiter's decorators, with each app counting in a Limiter of its own.

    Routes are decorated once, at import, with this one object; ``init_app`` gives
    every app a Limiter of its own (``app.extensions["lms.limiter"]``, with the app's
    storage: memory, or Redis that every app server shares), which the routes' limits
    and :mod:`lms.ratelimit` count in through the current app. Two apps in one
    process share no counters and re-point nothing.

    The routes' declared limits (Flask-Limiter's limit manager) are shared by every
    app's Limiter; default and application-wide limits (none are used) would be too.
    ``_check_request_limit`` is the method Flask-Limiter's route decorators call on
    the object that made them (pinned in pyproject.toml; tests/accounts/
    test_shared_limits.py fails if a release changes it).
    """

    def init_app(self, app: Flask) -> None:
        configure_storage(app.config)
        own = Limiter(key_func=self._key_func)
        own.limit_manager = self.limit_manager
        own._marked_for_limiting = self._marked_for_limiting
        own.init_app(app)
        app.extensions[LIMITER_EXTENSION] = own

    @staticmethod
    def current() -> Limiter:
        """The current app's own Limiter."""
        return current_app.extensions[LIMITER_EXTENSION]

    def _check_request_limit(self, callable_name: str | None = None,
                             in_middleware: bool = True) -> None:
        """What a decorated route calls: count it in the current app's Limiter."""
        self.current()._check_request_limit(callable_name=callable_name,
                                            in_middleware=in_middleware)

    @property
    def limiter(self) -> RateLimiter:
        return self.current().limiter

    @property
    def storage(self) -> Storage:
        return self.current().storage

    @property
    def current_limit(self) -> RequestLimit | None:
        return self.current().current_limit

    def reset(self) -> None:
        self.current().reset()


LIMITER_EXTENSION = "lms.limiter"
#: Storage schemes of ``limits`` that keep counters in Redis (or Valkey).
REDIS_SCHEMES = ("redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster", "valkey",
                 "valkeys", "valkey+unix", "valkey+sentinel", "valkey+cluster")


def configure_storage(config: dict) -> None:
    """Settle where the app's limits are counted.

    ``RATELIMIT_STORAGE_URI`` unset: in the broker's Redis when ``BROKER_URL`` is a
    Redis URL (every app server then shares its counters with no further setting),
    else in this process's memory. Redis keys start with ``RATELIMIT_NAMESPACE``.
    """
    uri = config.get("RATELIMIT_STORAGE_URI")
    if not uri:
        broker = config.get("BROKER_URL") or ""
        uri = broker if broker.startswith(("redis://", "rediss://")) else "memory://"
        config["RATELIMIT_STORAGE_URI"] = uri
    if uri.split("://")[0] in REDIS_SCHEMES:
        config["RATELIMIT_STORAGE_OPTIONS"] = {
            "key_prefix": config["RATELIMIT_NAMESPACE"],
            **config.get("RATELIMIT_STORAGE_OPTIONS", {})}


limiter = AppLimiter(key_func=get_remote_address)
