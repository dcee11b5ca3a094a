"""Django settings for taizhang. Every value comes from the environment (see README "Configuration")."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url

from taizhang.core.sms import check_settings as check_sms_settings
from taizhang.env import (
    ConfigError,
    env_bool,
    env_choice,
    env_dotted_path,
    env_float,
    env_int,
    env_list,
    env_log_level,
    env_path,
    env_str,
    env_tile_url,
    env_time_zone,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("TAIZHANG_DATA_DIR", str(Path.cwd() / "var"))).resolve()

DEBUG = env_bool("TAIZHANG_DEBUG", False)
TESTING = env_bool("TAIZHANG_TESTING", False)


def _secret_key() -> str:
    configured = env_str("TAIZHANG_SECRET_KEY")
    if configured:
        # Behind HTTPS (production) Django's deployment check wants 50 characters; 32 are enough elsewhere.
        minimum = 50 if env_bool("TAIZHANG_HTTPS", False) else 32
        if len(configured) < minimum:
            raise ConfigError(f"环境变量 TAIZHANG_SECRET_KEY 过短：至少 {minimum} 个字符")
        return configured
    # Embedded default: generate once and keep it in the data directory (mode 600).
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("TAIZHANG_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("TAIZHANG_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "captcha",
    "taizhang.core",
    "taizhang.accounts",
    "taizhang.org",
    "taizhang.ledger",
    "taizhang.targets",
    "taizhang.reports",
    "taizhang.monitor",
    "taizhang.cases",
    "taizhang.citizen",
    "taizhang.civility",
    "taizhang.volunteers",
    "taizhang.press",
    "taizhang.honours",
    "taizhang.votes",
    "taizhang.filings",
    "taizhang.study",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "taizhang.core.sites.PublicSiteMiddleware",  # public site (公众端): own URLs, never a staff session
    "taizhang.core.middleware.RequestContextMiddleware",
    "taizhang.core.middleware.RejectNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # MLPS controls: security headers and CSP on every response; idle timeout, forced password change and
    # the second factor for authenticated sessions (see docs/security.md).
    "taizhang.core.security_middleware.SecurityHeadersMiddleware",
    "taizhang.core.security_middleware.SessionPolicyMiddleware",
    # last safety net: a ValueError/OverflowError/RecursionError/UnicodeError/DataError that bad input provoked is a
    # Chinese 400
    "taizhang.core.middleware.BadInputMiddleware",
]

ROOT_URLCONF = "taizhang.urls"
WSGI_APPLICATION = "taizhang.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "taizhang.core.context_processors.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'taizhang.sqlite3'}")
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("TAIZHANG_DB_CONN_MAX_AGE", 60, minimum=0))
except ValueError as exc:  # unknown scheme and the like
    raise ConfigError(f"环境变量 DATABASE_URL 无效：{exc}") from exc
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend, with a flush that keeps the audit log's append-only triggers (core.db).
    _db["ENGINE"] = "taizhang.core.db.sqlite3"
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=10000;"
        "PRAGMA foreign_keys=ON;PRAGMA cache_size=-65536;PRAGMA temp_store=MEMORY;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    if _db["NAME"] and _db["NAME"] != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["ENGINE"] = "taizhang.core.db.postgresql"
    _db["CONN_HEALTH_CHECKS"] = True
    _db.setdefault("OPTIONS", {})["connect_timeout"] = env_int("TAIZHANG_DB_CONNECT_TIMEOUT", 5, minimum=1)
else:
    raise ConfigError("DATABASE_URL 仅支持 sqlite:// 与 postgres:// 两种数据库")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------------------------------
# Django's Redis cache (redis-py): redis://, rediss:// (TLS) or unix:// (socket); several separated by , or ;.
REDIS_URL = env_url(
    "TAIZHANG_CACHE_URL", ("redis", "rediss", "unix"), example="redis://127.0.0.1:6379/1", separators=",;"
)
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "taizhang_cache",
        }
    }

# --- Language and time ------------------------------------------------------------------------------------------
# The interface is Simplified Chinese only: no other language is offered (README "Configuration").
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_time_zone("TAIZHANG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("TAIZHANG_STATIC_ROOT", str(DATA_DIR / "static")))
MEDIA_ROOT = Path(env_str("TAIZHANG_MEDIA_ROOT", str(DATA_DIR / "media"))).resolve()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Uploads (checked again per file type in core.uploads).
TAIZHANG_MAX_UPLOAD_MB = env_int("TAIZHANG_MAX_UPLOAD_MB", 20, minimum=1, maximum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Background work ----------------------------------------------------------------------------------------------
# Empty: jobs are rows in the database that `taizhang worker` runs (serve starts it). Set to redis://… or
# amqp://… to run them on Celery workers instead (see docs/background.md).
# Celery (kombu) transports whose clients the project ships: Redis (or Sentinel), RabbitMQ; failover URLs ;-separated.
CELERY_BROKER_URL = env_url(
    "TAIZHANG_BROKER_URL",
    ("redis", "rediss", "sentinel", "amqp", "amqps", "pyamqp"),
    example="redis://127.0.0.1:6379/0",
    separators=";",
)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Worker processes `taizhang serve` starts beside the web server (0 with TAIZHANG_SERVE_WORKER=false).
TAIZHANG_JOB_WORKERS = env_int("TAIZHANG_JOB_WORKERS", 1, minimum=1, maximum=32)
TAIZHANG_SERVE_WORKER = env_bool("TAIZHANG_SERVE_WORKER", True)
# gunicorn processes (`taizhang serve --workers` overrides) and threads per process for `taizhang serve`.
TAIZHANG_WEB_WORKERS = env_int("TAIZHANG_WEB_WORKERS", 2, minimum=1, maximum=64)
TAIZHANG_WEB_THREADS = env_int("TAIZHANG_WEB_THREADS", 8, minimum=1, maximum=256)
TAIZHANG_JOBS_EAGER = env_bool("TAIZHANG_JOBS_EAGER", False)
# A running job whose worker stops renewing its lease for this long is taken back; after this many tries it fails.
TAIZHANG_JOB_LEASE_SECONDS = env_int("TAIZHANG_JOB_LEASE_SECONDS", 60, minimum=2, maximum=86400)
TAIZHANG_JOB_ATTEMPTS = env_int("TAIZHANG_JOB_ATTEMPTS", 3, minimum=1, maximum=100)
# Notice deliveries (mail, robot webhooks): attempts with backoff; the local hour the daily digests go out.
TAIZHANG_NOTIFY_ATTEMPTS = env_int("TAIZHANG_NOTIFY_ATTEMPTS", 5, minimum=1, maximum=50)
TAIZHANG_DIGEST_HOUR = env_int("TAIZHANG_DIGEST_HOUR", 17, minimum=0, maximum=23)
# The workbench's address as users reach it (https://tz.example.gov.cn): links in mail and robot messages are
# made absolute with it; empty: they are paths.
TAIZHANG_BASE_URL = env_str("TAIZHANG_BASE_URL", "").strip().rstrip("/")
if TAIZHANG_BASE_URL and not TAIZHANG_BASE_URL.startswith(("http://", "https://")):
    raise ConfigError(f"环境变量 TAIZHANG_BASE_URL 的值 {TAIZHANG_BASE_URL!r} 无效：应以 http:// 或 https:// 开头")

# Core's session middleware applies the accounts app's policy through these names (core imports no app).
TAIZHANG_SESSION_POLICY = "taizhang.accounts.policy"
TAIZHANG_MFA_SESSION_FLAG = "taizhang.accounts.views.MFA_DONE"

# --- Monitoring (taizhang.monitor.conf reads these; every value is validated here, at start-up) ------------------
TAIZHANG_MONITOR_HOST_INTERVAL = env_float("TAIZHANG_MONITOR_HOST_INTERVAL", 5.0, minimum=0, maximum=3600)
TAIZHANG_MONITOR_RETENTION_DAYS = env_int("TAIZHANG_MONITOR_RETENTION_DAYS", 180, minimum=1, maximum=36500)
TAIZHANG_MONITOR_TICK = env_float("TAIZHANG_MONITOR_TICK", 5.0, minimum=0.1, maximum=3600)
TAIZHANG_MONITOR_BRIEF_HOUR = env_int("TAIZHANG_MONITOR_BRIEF_HOUR", 7, minimum=0, maximum=23)
TAIZHANG_MONITOR_SENTIMENT = env_choice("TAIZHANG_MONITOR_SENTIMENT", "model", {"model", "lexicon"})
TAIZHANG_MONITOR_DELIVERY_ATTEMPTS = env_int("TAIZHANG_MONITOR_DELIVERY_ATTEMPTS", 6, minimum=1, maximum=50)
TAIZHANG_MONITOR_POLL_WORKERS = env_int("TAIZHANG_MONITOR_POLL_WORKERS", 4, minimum=1, maximum=64)
TAIZHANG_MONITOR_RESPONSE_HOURS = env_int("TAIZHANG_MONITOR_RESPONSE_HOURS", 24, minimum=1, maximum=24 * 365)
# File sources read only files inside this directory, by name (no paths, no symbolic links out of it).
TAIZHANG_MONITOR_IMPORT_DIR = env_path("TAIZHANG_MONITOR_IMPORT_DIR", DATA_DIR / "import")
# Summaries: threads that prefetch figures (0 = up to 4, by CPU count); an optional polisher (dotted path).
TAIZHANG_SUMMARY_WORKERS = env_int("TAIZHANG_SUMMARY_WORKERS", 0, minimum=0, maximum=64)
TAIZHANG_SUMMARY_POLISHER = env_dotted_path("TAIZHANG_SUMMARY_POLISHER")
TAIZHANG_ACCESS_LOG = env_bool("TAIZHANG_ACCESS_LOG", False)

# --- API ----------------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "taizhang.accounts.tokens.TokenAuthentication",  # hashed, expiring keys; Authorization: Token <key>
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # a maximum page size, and limit/offset beyond range are 400 (core.api_base)
    "DEFAULT_PAGINATION_CLASS": "taizhang.core.api_base.BoundedLimitOffsetPagination",
    # JSON nested deeper than 32 levels is a 400, never a RecursionError; forms and multipart as DRF's defaults
    "DEFAULT_PARSER_CLASSES": [
        "taizhang.core.api_base.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "taizhang.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "台账 API",
    "DESCRIPTION": "宣传部工作台账平台的 REST 接口。使用 Token 认证：Authorization: Token <key>。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"OutletLevelEnum": "taizhang.ledger.models.taxonomy.Outlet.Level"},
}

# --- Security (MLPS level 3; every row is explained in docs/security.md) ----------------------------------------
# One switch relaxes the account rules for a development install; each rule can still be set on its own.
DEV_RELAXED = env_bool("TAIZHANG_DEV_RELAXED", False)
TAIZHANG_DEV_RELAXED = DEV_RELAXED


def _policy_int(name: str, strict: int, relaxed: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    return env_int(name, relaxed if DEV_RELAXED else strict, minimum=minimum, maximum=maximum)


# Passwords: length, character classes (of letters, digits, symbols), history, expiry.
TAIZHANG_PASSWORD_MIN_LENGTH = _policy_int("TAIZHANG_PASSWORD_MIN_LENGTH", 8, 6, minimum=6, maximum=128)
TAIZHANG_PASSWORD_CLASSES = _policy_int("TAIZHANG_PASSWORD_CLASSES", 3, 1, minimum=1, maximum=3)
TAIZHANG_PASSWORD_HISTORY = _policy_int("TAIZHANG_PASSWORD_HISTORY", 5, 0, minimum=0, maximum=24)
TAIZHANG_PASSWORD_MAX_AGE_DAYS = _policy_int("TAIZHANG_PASSWORD_MAX_AGE_DAYS", 90, 0, minimum=0, maximum=3650)
# Login failures: lock the account name and, separately, the client address.
TAIZHANG_LOCKOUT_ATTEMPTS = _policy_int("TAIZHANG_LOCKOUT_ATTEMPTS", 5, 0, minimum=0, maximum=100)
TAIZHANG_LOCKOUT_ADDRESS_ATTEMPTS = env_int(
    "TAIZHANG_LOCKOUT_ADDRESS_ATTEMPTS", TAIZHANG_LOCKOUT_ATTEMPTS, minimum=0, maximum=10000
)
TAIZHANG_LOCKOUT_MINUTES = _policy_int("TAIZHANG_LOCKOUT_MINUTES", 15, 1, minimum=1, maximum=1440)
# Sessions end on the server after this many idle minutes.
TAIZHANG_SESSION_IDLE_MINUTES = _policy_int("TAIZHANG_SESSION_IDLE_MINUTES", 15, 480, minimum=1, maximum=1440)
# TOTP (RFC 6238) second factor: required for the administrator roles, optional for everyone else.
TAIZHANG_REQUIRE_TOTP_FOR_ADMINS = env_bool("TAIZHANG_REQUIRE_TOTP_FOR_ADMINS", not DEV_RELAXED)
TAIZHANG_TOTP_ISSUER = env_str("TAIZHANG_TOTP_ISSUER", "台账")
# One-time codes: the password reset link delivered to the user, the administrators' authenticator enrolment code.
TAIZHANG_PASSWORD_RESET_HOURS = env_int("TAIZHANG_PASSWORD_RESET_HOURS", 24, minimum=1, maximum=168)
TAIZHANG_ENROLMENT_CODE_HOURS = env_int("TAIZHANG_ENROLMENT_CODE_HOURS", 24, minimum=1, maximum=168)
# API tokens (accounts.tokens): default lifetime in days; the key is stored as a digest and shown once.
TAIZHANG_API_TOKEN_DAYS = env_int("TAIZHANG_API_TOKEN_DAYS", 90, minimum=1, maximum=3650)
# Denied accesses (403/404) written to the audit log per user (or address) and minute; the rest are counted.
TAIZHANG_AUDIT_DENIED_PER_MINUTE = env_int("TAIZHANG_AUDIT_DENIED_PER_MINUTE", 20, minimum=1, maximum=10000)
# The audit log's hash chain: HMAC-SHA256 or HMAC-SM3, keyed with TAIZHANG_AUDIT_KEY (64 hex characters; an
# embedded install generates it into the data directory, mode 600 — back it up with the SM4 key).
TAIZHANG_AUDIT_HASH = env_choice(
    "TAIZHANG_AUDIT_HASH", "sm3" if env_str("TAIZHANG_PASSWORD_HASHER") == "pbkdf2_sm3" else "sha256",
    {"sha256", "sm3"},
)


def _audit_key() -> str:
    configured = env_str("TAIZHANG_AUDIT_KEY").strip()
    if configured:
        try:
            raw = bytes.fromhex(configured)
        except ValueError as exc:
            raise ConfigError("环境变量 TAIZHANG_AUDIT_KEY 无效：应为 64 位十六进制字符") from exc
        if len(raw) != 32:
            raise ConfigError("环境变量 TAIZHANG_AUDIT_KEY 无效：应为 64 位十六进制字符（256 位密钥）")
        return configured.lower()
    key_file = DATA_DIR / "audit_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


TAIZHANG_AUDIT_KEY = _audit_key()
# Client addresses: X-Forwarded-For is read only from these proxies (comma-separated addresses or networks).
TAIZHANG_TRUSTED_PROXY = env_list("TAIZHANG_TRUSTED_PROXY", [])
# Audit log: rows are kept at least this many days (the prune command refuses anything younger).
TAIZHANG_AUDIT_RETENTION_DAYS = env_int("TAIZHANG_AUDIT_RETENTION_DAYS", 180, minimum=180, maximum=36500)
# API rate limits per user (and per address for anonymous requests): N/sec|min|hour|day.
TAIZHANG_API_RATE = env_str("TAIZHANG_API_RATE", "600/min")
TAIZHANG_API_ANON_RATE = env_str("TAIZHANG_API_ANON_RATE", "60/min")


def _check_rate(name: str, value: str) -> None:
    num, _, period = value.partition("/")
    if not num.strip().isdigit() or period.strip()[:1] not in ("s", "m", "h", "d"):
        raise ConfigError(f"环境变量 {name} 的值 {value!r} 无效：应为“次数/时间单位”，如 600/min")


_check_rate("TAIZHANG_API_RATE", TAIZHANG_API_RATE)
_check_rate("TAIZHANG_API_ANON_RATE", TAIZHANG_API_ANON_RATE)
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
    "taizhang.core.throttling.UserRateThrottle",
    "taizhang.core.throttling.AnonRateThrottle",
]


def _sm4_key() -> str:
    """SM4 key for personal data fields (32 hex characters). From the environment; an embedded install
    generates one into the data directory, like the secret key (back it up separately from the database)."""
    configured = env_str("TAIZHANG_SM4_KEY").strip()
    if configured:
        try:
            raw = bytes.fromhex(configured)
        except ValueError as exc:
            raise ConfigError("环境变量 TAIZHANG_SM4_KEY 无效：应为 32 位十六进制字符") from exc
        if len(raw) != 16:
            raise ConfigError("环境变量 TAIZHANG_SM4_KEY 无效：应为 32 位十六进制字符（128 位密钥）")
        return configured.lower()
    key_file = DATA_DIR / "sm4_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(16)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


TAIZHANG_SM4_KEY = _sm4_key()
TAIZHANG_SM4_KEY_FROM_ENV = bool(env_str("TAIZHANG_SM4_KEY").strip())
# Earlier keys still accepted for reading (key rotation): comma-separated hex keys.
TAIZHANG_SM4_OLD_KEYS = env_list("TAIZHANG_SM4_OLD_KEYS", [])

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The idle limit is enforced per request by SessionPolicyMiddleware; the stored session outlives it by a minute.
SESSION_COOKIE_AGE = TAIZHANG_SESSION_IDLE_MINUTES * 60 + 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_HTTPS = env_bool("TAIZHANG_HTTPS", False)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page's <meta>, not the cookie; see app.js
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "taizhang.accounts.views.csrf_failure"
SECURE_SSL_REDIRECT = SECURE_HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 31536000 if SECURE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content security policy: no inline script or style anywhere (see docs/architecture.md "Web").
TAIZHANG_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
# The API's Swagger UI (drf-spectacular) needs inline styles and its init script; only /api/docs/ gets this.
TAIZHANG_CSP_API_DOCS = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)

# Password hashing: PBKDF2-SHA256 (Django) or PBKDF2 with SM3 (商用密码, GB/T 32905). Both verify; the first hashes
# new passwords and upgrades old hashes at the next login.
TAIZHANG_PASSWORD_HASHER = env_choice("TAIZHANG_PASSWORD_HASHER", "pbkdf2", {"pbkdf2", "pbkdf2_sm3"})
_HASHERS = {
    "pbkdf2": "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "pbkdf2_sm3": "taizhang.accounts.hashers.PBKDF2SM3PasswordHasher",
}
PASSWORD_HASHERS = [
    _HASHERS[TAIZHANG_PASSWORD_HASHER],
    *(h for k, h in _HASHERS.items() if k != TAIZHANG_PASSWORD_HASHER),
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

# The validators read the policy above at run time (accounts.policy), so tests can override it.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "taizhang.accounts.validators.PolicyValidator"},
    {"NAME": "taizhang.accounts.validators.UserAttributeValidator"},
    {"NAME": "taizhang.accounts.validators.CommonPasswordValidator"},
    {"NAME": "taizhang.accounts.validators.HistoryValidator"},
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_log_level("TAIZHANG_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("TAIZHANG_SMTP_HOST")
    else "django.core.mail.backends.locmem.EmailBackend"
    if TESTING
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env_str("TAIZHANG_SMTP_HOST", "localhost")
EMAIL_PORT = env_int("TAIZHANG_SMTP_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("TAIZHANG_SMTP_USER")
EMAIL_HOST_PASSWORD = env_str("TAIZHANG_SMTP_PASSWORD")
EMAIL_USE_TLS = env_bool("TAIZHANG_SMTP_TLS", False)
DEFAULT_FROM_EMAIL = env_str("TAIZHANG_MAIL_FROM", "taizhang@localhost")

# Text messages (taizhang.core.sms): the one-time codes of volunteers and voters, waiting-list and reminder notices.
# console: the log only (the default); http: the department's SMS platform (JSON, signed with the secret when set);
# aliyun: Alibaba Cloud SMS, a template code for every message type. Checked here, at start-up.
TAIZHANG_SMS_BACKEND = env_choice("TAIZHANG_SMS_BACKEND", "console", {"console", "http", "aliyun"})
TAIZHANG_SMS_URL = env_url("TAIZHANG_SMS_URL", ("http", "https"), example="https://sms.example.gov.cn/send")
TAIZHANG_SMS_SECRET = env_str("TAIZHANG_SMS_SECRET")
TAIZHANG_SMS_ACCESS_KEY_ID = env_str("TAIZHANG_SMS_ACCESS_KEY_ID").strip()
TAIZHANG_SMS_ACCESS_KEY_SECRET = env_str("TAIZHANG_SMS_ACCESS_KEY_SECRET").strip()
TAIZHANG_SMS_SIGN_NAME = env_str("TAIZHANG_SMS_SIGN_NAME").strip()
TAIZHANG_SMS_TEMPLATES = check_sms_settings(
    backend=TAIZHANG_SMS_BACKEND, url=TAIZHANG_SMS_URL, access_key_id=TAIZHANG_SMS_ACCESS_KEY_ID,
    access_key_secret=TAIZHANG_SMS_ACCESS_KEY_SECRET, sign_name=TAIZHANG_SMS_SIGN_NAME,
    templates=env_str("TAIZHANG_SMS_TEMPLATES"),
)

# Name of the department shown on documents and pages.
TAIZHANG_DEPARTMENT_NAME = env_str("TAIZHANG_DEPARTMENT_NAME", "")

# --- Public site (公众端) and citizen reports (随手拍); see docs/citizen.md ---------------------------------------
# Host names served the public site (taizhang/urls_public.py); empty: the public site is under /public/.
TAIZHANG_PUBLIC_HOSTS = env_list("TAIZHANG_PUBLIC_HOSTS", [])
# Which site this process serves: both (default), public or staff (`taizhang serve --site`).
TAIZHANG_SITE = env_choice("TAIZHANG_SITE", "both", {"both", "public", "staff"})
# Map tiles of a tile server the department runs, e.g. https://tiles.example/{z}/{x}/{y}.png; empty: no map.
TAIZHANG_MAP_TILES = env_tile_url("TAIZHANG_MAP_TILES")
# Reporters' phone numbers are cleared this many days after the report is closed.
TAIZHANG_CITIZEN_CONTACT_RETENTION_DAYS = env_int("TAIZHANG_CITIZEN_CONTACT_RETENTION_DAYS", 180, minimum=1,
                                                  maximum=3650)
# Abuse limits: reports a day per device and per address; a captcha after this many reports a day.
TAIZHANG_CITIZEN_DEVICE_LIMIT = env_int("TAIZHANG_CITIZEN_DEVICE_LIMIT", 10, minimum=1, maximum=100000)
TAIZHANG_CITIZEN_ADDRESS_LIMIT = env_int("TAIZHANG_CITIZEN_ADDRESS_LIMIT", 30, minimum=1, maximum=1000000)
TAIZHANG_CITIZEN_CAPTCHA_AFTER = env_int("TAIZHANG_CITIZEN_CAPTCHA_AFTER", 2, minimum=0, maximum=1000)
# Objections to a role-model public notice (公示): a day per device and per address; a captcha after this many.
TAIZHANG_HONOURS_DEVICE_LIMIT = env_int("TAIZHANG_HONOURS_DEVICE_LIMIT", 5, minimum=1, maximum=100000)
TAIZHANG_HONOURS_ADDRESS_LIMIT = env_int("TAIZHANG_HONOURS_ADDRESS_LIMIT", 20, minimum=1, maximum=1000000)
TAIZHANG_HONOURS_CAPTCHA_AFTER = env_int("TAIZHANG_HONOURS_CAPTCHA_AFTER", 2, minimum=0, maximum=1000)
# django-simple-captcha: a locally drawn image, no service on the internet.
CAPTCHA_LENGTH = 4
CAPTCHA_IMAGE_SIZE = (120, 40)
CAPTCHA_FONT_SIZE = 28
CAPTCHA_TIMEOUT = 10

# --- Civility creation; see docs/civility.md ----------------------------------------------------------------------
# A problem at the same site and standard within this many days of an earlier one is flagged recurring.
TAIZHANG_CIVILITY_RECURRING_DAYS = env_int("TAIZHANG_CIVILITY_RECURRING_DAYS", 60, minimum=1, maximum=3650)

# --- Press, new media, correspondents; see docs/press.md -----------------------------------------------------------
# Percentage of running new-media accounts sampled for a check each month (some provinces: at least half).
TAIZHANG_NEWMEDIA_SAMPLE_PERCENT = env_int("TAIZHANG_NEWMEDIA_SAMPLE_PERCENT", 50, minimum=1, maximum=100)
# A press conference is filed at least this many working days before it is held.
TAIZHANG_CONFERENCE_FILING_DAYS = env_int("TAIZHANG_CONFERENCE_FILING_DAYS", 3, minimum=0, maximum=30)
# Adopted submissions each unit should reach every month (the correspondents' monthly minimum).
TAIZHANG_CORRESPONDENT_MONTHLY_MINIMUM = env_int("TAIZHANG_CORRESPONDENT_MONTHLY_MINIMUM", 2, minimum=0, maximum=1000)
