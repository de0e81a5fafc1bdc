"""Settings, read from the environment. See README.md for every variable."""

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("JIFEN_DATA_DIR", BASE_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def env_flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """From JIFEN_SECRET_KEY, else generated once into the data directory (never committed)."""
    if key := os.environ.get("JIFEN_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_flag("JIFEN_DEBUG")
ALLOWED_HOSTS = os.environ.get("JIFEN_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("JIFEN_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "ninja",
    "jifen.accounts",
    "jifen.programmes",
    "jifen.audit",
    "jifen.idempotency",
    "jifen.ledger",
    "jifen.transparency",
    "jifen.earning",
    "jifen.rewards",
    "jifen.recognition",
    "jifen.insights",
    "jifen.voices",
    "jifen.web",
    "jifen.platform",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After LocaleMiddleware, so that its refusals are in the request's language.
    "jifen.middleware.StorableInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jifen.web.middleware.SignInForStaffPages",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# Request sizes. Form fields and JSON bodies are read into memory up to Django's limit (a bulk
# award of 20,000 members is about 0.5 MB); a whole request, uploaded files included, may not
# exceed MAX_REQUEST_BYTES (well above the 10 MB resident spreadsheet, so that a slightly larger
# file gets the import page's own message). Beyond either, the request is refused unread.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
MAX_REQUEST_BYTES = 32 * 1024 * 1024
# Uploaded files: a claim takes at most 3 photos of 5 MB, the import one spreadsheet. A file
# over FILE_UPLOAD_MAX_MEMORY_SIZE is streamed to a temporary file, not held in memory; a
# request with more files than this is refused with the 400 page before any is read.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 10

ROOT_URLCONF = "jifen.urls"
WSGI_APPLICATION = "jifen.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "jifen" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jifen.web.context_processors.acting",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if url:
        return dict(dj_database_url.parse(url, conn_max_age=60))
    # Embedded default: WAL for concurrent readers; IMMEDIATE so writers take the lock up front
    # instead of failing on upgrade; a busy timeout so they queue rather than error.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "jifen.sqlite3",
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["jifen.accounts.backends.PhoneOrUsernameBackend"]
LOGIN_URL = "login"
CSRF_FAILURE_VIEW = "jifen.web.errors.csrf_failure"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "jifen.accounts.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "jifen_cache",
    }
}

# Sign-in throttling (jifen/accounts/throttle.py): free failures per (account, address) and
# per address, then waits doubling from the first delay up to the ceiling.
LOGIN_FREE_FAILURES = int(os.environ.get("JIFEN_LOGIN_FREE_FAILURES", "5"))
LOGIN_ADDRESS_FREE_FAILURES = int(os.environ.get("JIFEN_LOGIN_ADDRESS_FREE_FAILURES", "50"))
LOGIN_FIRST_DELAY_SECONDS = int(os.environ.get("JIFEN_LOGIN_FIRST_DELAY_SECONDS", "2"))
LOGIN_MAX_DELAY_SECONDS = int(os.environ.get("JIFEN_LOGIN_MAX_DELAY_SECONDS", "900"))
LOGIN_WINDOW_SECONDS = int(os.environ.get("JIFEN_LOGIN_WINDOW_SECONDS", "900"))
INVITATION_VALID_DAYS = int(os.environ.get("JIFEN_INVITATION_VALID_DAYS", "7"))

# Outgoing mail (the monthly newsletter): sent only when a mail server is named.
if email_host := os.environ.get("JIFEN_EMAIL_HOST", "").strip():
    EMAIL_HOST = email_host
    EMAIL_PORT = int(os.environ.get("JIFEN_EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("JIFEN_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("JIFEN_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_flag("JIFEN_EMAIL_TLS", default=True)
    DEFAULT_FROM_EMAIL = os.environ.get("JIFEN_EMAIL_FROM", f"jifen@{email_host}")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "jifen" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "jifen" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

# The transparency log's public key (base64 of the raw Ed25519 key): when set, `jifen verify`
# accepts only heads it signed. And the file the sequencer appends each signed head to, for
# operators to copy off the machine (`jifen verify --witness FILE`).
LOG_PUBLIC_KEY = os.environ.get("JIFEN_LOG_PUBLIC_KEY", "").strip()
LOG_WITNESS_FILE = Path(os.environ.get("JIFEN_LOG_WITNESS_FILE") or DATA_DIR / "witness.jsonl")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_flag("JIFEN_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

NINJA_PAGINATION_CLASS = "ninja.pagination.LimitOffsetPagination"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("JIFEN_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
