"""Django settings for taizhang. Every value comes from the environment (see README "Configuration")."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url

from taizhang.env import ConfigError, env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("TAIZHANG_DATA_DIR", str(Path.cwd() / "var"))).resolve()

DEBUG = env_bool("TAIZHANG_DEBUG", False)
TESTING = env_bool("TAIZHANG_TESTING", False)


def _secret_key() -> str:
    configured = env_str("TAIZHANG_SECRET_KEY")
    if configured:
        if len(configured) < 32:
            raise ConfigError("环境变量 TAIZHANG_SECRET_KEY 过短：至少 32 个字符")
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
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "taizhang.core",
    "taizhang.accounts",
    "taizhang.org",
    "taizhang.ledger",
    "taizhang.targets",
    "taizhang.reports",
    "taizhang.monitor",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "taizhang.core.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
    _db["CONN_HEALTH_CHECKS"] = True
    _db.setdefault("OPTIONS", {})["connect_timeout"] = env_int("TAIZHANG_DB_CONNECT_TIMEOUT", 5, minimum=1)
else:
    raise ConfigError("DATABASE_URL 仅支持 sqlite:// 与 postgres:// 两种数据库")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------------------------------
REDIS_URL = env_str("TAIZHANG_CACHE_URL")
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
LANGUAGE_CODE = env_choice("TAIZHANG_LANGUAGE", "zh-hans", {"zh-hans", "en"})
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TAIZHANG_TIME_ZONE", "Asia/Shanghai")
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
# Empty: jobs run in-process (a thread pool in the web process). Set to redis://… or amqp://… for Celery workers.
CELERY_BROKER_URL = env_str("TAIZHANG_BROKER_URL")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
TAIZHANG_JOB_WORKERS = env_int("TAIZHANG_JOB_WORKERS", 2, minimum=1, maximum=32)
TAIZHANG_JOBS_EAGER = env_bool("TAIZHANG_JOBS_EAGER", False)

# --- API ----------------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "taizhang.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "台账 API",
    "DESCRIPTION": "宣传部工作台账平台的 REST 接口。使用 Token 认证：Authorization: Token <key>。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"OutletLevelEnum": "taizhang.ledger.models.taxonomy.Outlet.Level"},
}

# --- Security -----------------------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("TAIZHANG_SESSION_IDLE_MINUTES", 15, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_HTTPS = env_bool("TAIZHANG_HTTPS", False)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = SECURE_HTTPS
SECURE_HSTS_SECONDS = 31536000 if SECURE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("TAIZHANG_LOG_LEVEL", "INFO")},
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

# Name of the department shown on documents and pages.
TAIZHANG_DEPARTMENT_NAME = env_str("TAIZHANG_DEPARTMENT_NAME", "")
