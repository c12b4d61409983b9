"""Settings for Core Learning, each read from an ``LMS_*`` environment variable.

``Config`` is the default (development and the demo), ``TestConfig`` is used by
the test suite and ``ProductionConfig`` refuses unsafe defaults.
"""

from __future__ import annotations

import os

DEV_SECRET_KEY = "dev-only-not-secret"


def env(name: str, default: str | None = None) -> str | None:
    """Return the ``LMS_<name>`` variable, or the default when unset or empty."""
    value = os.environ.get(f"LMS_{name}")
    return value if value else default


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    TESTING = False
    SECRET_KEY = env("SECRET_KEY", DEV_SECRET_KEY)
    #: None means "a SQLite file in the instance folder", resolved by create_app.
    SQLALCHEMY_DATABASE_URI = env("DATABASE_URL")
    #: Test each pooled connection with a round trip before use. Off by default: it costs
    #: every request one round trip (tests/perf/README.md), and without it a database
    #: restart fails at most the requests in flight, then the pool reconnects.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": env_bool("DATABASE_PRE_PING", False)}
    #: PostgreSQL: GET and HEAD requests read in autocommit mode, without the BEGIN and
    #: ROLLBACK round trips (lms.database.read_without_transaction).
    AUTOCOMMIT_READS = env_bool("DATABASE_AUTOCOMMIT_READS", True)
    #: PostgreSQL: parallel workers one query may use (``max_parallel_workers_per_gather``).
    #: 0: each request's query stays on one core (lms.database.postgres_session_settings).
    DATABASE_PARALLEL_WORKERS = env_int("DATABASE_PARALLEL_WORKERS", 0)

    STORAGE = env("STORAGE", "local")
    MEDIA_DIR = env("MEDIA_DIR")  # None: media/ in the instance folder
    S3_BUCKET = env("S3_BUCKET")
    S3_ENDPOINT_URL = env("S3_ENDPOINT_URL")
    S3_REGION = env("S3_REGION", "us-east-1")
    #: Seconds a presigned playback or upload URL stays valid.
    S3_PRESIGN_SECONDS = env_int("S3_PRESIGN_SECONDS", 900)
    #: Streaming renditions of uploaded videos (needs the system ffmpeg; lms/media/renditions.py).
    MEDIA_RENDITIONS = env_bool("MEDIA_RENDITIONS", True)
    #: x264 speed/size trade-off of the renditions; tests use "ultrafast".
    MEDIA_X264_PRESET = env("MEDIA_X264_PRESET", "veryfast")
    #: ffmpeg is stopped (and the job retried) past this, under JOB_TIME_LIMIT_MS.
    MEDIA_TRANSCODE_SECONDS = env_int("MEDIA_TRANSCODE_SECONDS", 3000)
    BASE_URL = env("BASE_URL", "http://127.0.0.1:5000")
    #: The origin SCORM and cmi5 packages are served from: a second host name routed to this
    #: app, best under another registrable domain (lms/origins.py). Unset: BASE_URL with
    #: 127.0.0.1 and localhost swapped when it is one of them; otherwise packages cannot play.
    PACKAGE_BASE_URL = env("PACKAGE_BASE_URL")
    MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 5 * 1024**3)
    #: Largest body accepted by the app itself (simple uploads, local-mode parts).
    MAX_CONTENT_LENGTH = env_int("MAX_REQUEST_BYTES", 110 * 1024**2)
    #: Largest JSON body (413 beyond); the longest transcript fits.
    MAX_JSON_BYTES = env_int("MAX_JSON_BYTES", 4 * 1024**2)

    #: Reverse proxies in front of the app whose X-Forwarded-* headers are trusted
    #: (client address for rate limits, https for URLs and cookies). 0: trust none.
    PROXY_COUNT = env_int("PROXY_COUNT", 0)

    ORG_NAME = env("ORG_NAME", "Core Learning")
    SELF_REGISTRATION = env_bool("SELF_REGISTRATION", True)

    MAIL_SERVER = env("MAIL_SERVER")  # None: mail is written to the log
    MAIL_PORT = env_int("MAIL_PORT", 25)
    MAIL_USERNAME = env("MAIL_USERNAME")
    MAIL_PASSWORD = env("MAIL_PASSWORD")
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)
    MAIL_SENDER = env("MAIL_SENDER", "Core Learning <no-reply@localhost>")
    #: Without a mail server, write whole messages to the log (the demo's reset links).
    LOG_MAIL_BODIES = True

    #: Background jobs: a redis:// or amqp:// URL; unset, jobs run inside the app process.
    BROKER_URL = env("BROKER_URL")
    #: Prefix of the broker's Redis keys (several sites may share one Redis).
    JOBS_NAMESPACE = env("JOBS_NAMESPACE", "lms")
    #: Without a broker: run each job at once after its commit instead of on a thread.
    JOBS_EAGER = env_bool("JOBS_EAGER", False)
    #: A failed attempt is retried after a backoff growing from the minimum to the maximum.
    JOB_MIN_BACKOFF_MS = env_int("JOB_MIN_BACKOFF_MS", 5_000)
    JOB_MAX_BACKOFF_MS = env_int("JOB_MAX_BACKOFF_MS", 600_000)
    JOB_TIME_LIMIT_MS = env_int("JOB_TIME_LIMIT_MS", 3_600_000)
    #: A worker silent this long is taken for dead; its unfinished jobs are delivered again.
    JOB_HEARTBEAT_TIMEOUT_MS = env_int("JOB_HEARTBEAT_TIMEOUT_MS", 60_000)
    #: Out of a million broker commands, how many also look for dead workers' jobs.
    JOB_MAINTENANCE_CHANCE = env_int("JOB_MAINTENANCE_CHANCE", 1000)
    #: A worker with nothing to take asks the broker again within this long (Dramatiq's
    #: ``worker_timeout``, 1000 by default, left an idle thread up to a second behind).
    JOB_POLL_MS = env_int("JOB_POLL_MS", 100)

    #: An external Learning Record Store (its xAPI base URL, e.g. https://lrs.example.org/xAPI/):
    #: every learning event is forwarded to it by jobs. Unset: nothing is forwarded.
    LRS_URL = env("LRS_URL")
    LRS_USERNAME = env("LRS_USERNAME")
    LRS_PASSWORD = env("LRS_PASSWORD")
    LRS_TIMEOUT_SECONDS = float(env("LRS_TIMEOUT_SECONDS", "10"))
    #: A gap in event ids open this long is a rolled-back recording, and is passed over.
    LRS_GAP_GRACE_SECONDS = env_int("LRS_GAP_GRACE_SECONDS", 60)

    #: Where rate limits and login failures are counted: a redis:// URL shares them between
    #: app servers. Unset: the broker's Redis when LMS_BROKER_URL is one, else memory://
    #: (each process counts alone).
    RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI")
    #: Prefix of the limits' Redis keys (several sites, or test runs, may share one Redis).
    RATELIMIT_NAMESPACE = env("RATELIMIT_NAMESPACE", "lms-limits")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_FAILURE_LIMIT = env("LOGIN_FAILURE_LIMIT", "5/minute")

    #: werkzeug's ``generate_password_hash`` method; "scrypt" is its default cost.
    PASSWORD_HASH_METHOD = env("PASSWORD_HASH_METHOD", "scrypt")
    #: ``json`` (one object per line) or ``text``; each line names its request id.
    LOG_FORMAT = env("LOG_FORMAT", "text")
    LOG_LEVEL = env("LOG_LEVEL", "INFO")
    #: A Bearer token that may read ``/metrics`` from anywhere; unset, only loopback may.
    METRICS_TOKEN = env("METRICS_TOKEN")

    #: The issuer's Ed25519 keys for signed credentials (a JSON key set, lms/certificates/keys.py).
    #: Unset: credential-keys.json in the instance folder.
    CREDENTIAL_KEY_FILE = env("CREDENTIAL_KEY_FILE")
    #: Create the key file on first use when it is missing (production: off, see there).
    CREDENTIAL_KEY_CREATE = env_bool("CREDENTIAL_KEY_CREATE", True)
    #: POST /api/v1/credentials/verify per client address.
    CREDENTIAL_VERIFY_LIMIT = env("CREDENTIAL_VERIFY_LIMIT", "120/minute")

    #: The LTI 1.3 tool's RSA key (a private JWK, lms/standards/lti_keys.py); unset:
    #: lti-key.json in the instance folder. Every app server must share one key.
    LTI_KEY_FILE = env("LTI_KEY_FILE")
    #: Create the LTI key file on first use when it is missing (production: off, see there).
    LTI_KEY_CREATE = env_bool("LTI_KEY_CREATE", True)
    #: /lti/login, /lti/launch and /lti/deep-link per client address.
    LTI_LAUNCH_LIMIT = env("LTI_LAUNCH_LIMIT", "120/minute")

    #: Single sign-on with the association's OpenID Connect provider (lms/accounts/sso.py):
    #: its issuer URL (discovery at ``<issuer>/.well-known/openid-configuration``) and this
    #: site's client registration there. Unset issuer: no single sign-on.
    OIDC_ISSUER = env("OIDC_ISSUER")
    OIDC_CLIENT_ID = env("OIDC_CLIENT_ID")
    OIDC_CLIENT_SECRET = env("OIDC_CLIENT_SECRET")
    #: The provider's name on the login page: "Log in with <name>".
    OIDC_NAME = env("OIDC_NAME", "your association")
    #: Members who have signed in through the provider may no longer log in with a password.
    OIDC_ONLY = env_bool("OIDC_ONLY", False)

    API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 30)
    RESET_TOKEN_SECONDS = env_int("RESET_TOKEN_SECONDS", 3600)
    #: Reset mails sent to one address at most; further requests are dropped silently.
    RESET_MAIL_LIMIT = env("RESET_MAIL_LIMIT", "3/hour")
    #: Discussion posts (threads and replies) one member may write.
    DISCUSSION_POST_LIMIT = env("DISCUSSION_POST_LIMIT", "10/minute")
    #: Directory messages one member may send.
    DIRECTORY_MESSAGE_LIMIT = env("DIRECTORY_MESSAGE_LIMIT", "5/hour")
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30

    #: Host-only cookies (no Domain attribute): the package content host never gets them.
    SESSION_COOKIE_DOMAIN = None
    REMEMBER_COOKIE_DOMAIN = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
    WTF_CSRF_TIME_LIMIT = None  # tied to the session, which already expires


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("LMS_TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SERVER = None
    BROKER_URL = None
    JOBS_EAGER = True
    #: Transcoding is tested on purpose (tests/media/test_renditions.py), not on every upload.
    MEDIA_RENDITIONS = False
    MEDIA_X264_PRESET = "ultrafast"
    BASE_URL = "http://127.0.0.1:5000"
    #: A cheaper scrypt keeps the many logins of the suite fast; still dearer than the
    #: rest of a login, so a skipped hash would show in tests/accounts/test_login_timing.py.
    PASSWORD_HASH_METHOD = "scrypt:4096:8:1"
    LOG_FORMAT = None  # pytest owns logging (caplog); tests that want lines set a format
    METRICS_TOKEN = None
    LRS_URL = None


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    REMEMBER_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    LOG_FORMAT = env("LOG_FORMAT", "json")
    #: Reset links and certificate links are secrets: production logs only who and what.
    LOG_MAIL_BODIES = False
    #: Set LMS_ALLOW_SQLITE=1 to run production on one machine with SQLite on purpose.
    ALLOW_SQLITE = env_bool("ALLOW_SQLITE", False)
    #: A production signing key is made on purpose (`flask lms credentials rotate-key`),
    #: never silently by the first completion; LMS_CREDENTIAL_KEY_CREATE=1 allows it.
    CREDENTIAL_KEY_CREATE = env_bool("CREDENTIAL_KEY_CREATE", False)
    #: Likewise the LTI key (`flask lms lti create-key`); LMS_LTI_KEY_CREATE=1 allows it.
    LTI_KEY_CREATE = env_bool("LTI_KEY_CREATE", False)

    @classmethod
    def check(cls, config: dict) -> None:
        """Refuse to start production with settings that are only safe on a laptop."""
        if config["SECRET_KEY"] in (None, DEV_SECRET_KEY):
            raise RuntimeError("LMS_SECRET_KEY must be set to a random value in production")
        uri = config.get("SQLALCHEMY_DATABASE_URI") or "sqlite"
        if uri.startswith("sqlite") and not config.get("ALLOW_SQLITE"):
            raise RuntimeError(
                "production needs LMS_DATABASE_URL (PostgreSQL); set LMS_ALLOW_SQLITE=1 to insist"
            )


CONFIGS = {"default": Config, "test": TestConfig, "production": ProductionConfig}
