"""Fairbill settings: one module, configured by FAIRBILL_* environment variables.

See docs/configuration.md for the full list. Nothing here reads a file except the generated
secret key (./var/secret_key) when FAIRBILL_SECRET_KEY is not set.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("FAIRBILL_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"FAIRBILL_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name, "1" if default else "0").strip().lower()
    return value in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """FAIRBILL_SECRET_KEY, or one generated on first run and kept in var/secret_key."""
    key = env("SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # Created readable by its owner only from the start (no moment at the umask's 0644).
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key)
    return key


def _private_file(path: Path) -> None:
    """Create an empty file readable by its owner only, unless it exists: SQLite then keeps
    those permissions for the database (it holds the session keys) and its WAL files."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
BEHIND_PROXY = env_bool("BEHIND_PROXY")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
# Django admin at /django-admin/: off unless asked for; administrators only, behind the back
# office's login and second factor (docs/install.md).
DJANGO_ADMIN = env_bool("DJANGO_ADMIN", False)

INSTALLED_APPS = [
    "fairbill.backoffice.admin_config.FairbillAdminConfig",  # Django admin, behind our login
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_countries",
    "ninja",  # serves the API docs' scripts from our static files, not a CDN
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "fairbill.core",
    "fairbill.accounts",
    "fairbill.customers",
    "fairbill.catalog",
    "fairbill.subscriptions",
    "fairbill.invoicing",
    "fairbill.payments",
    "fairbill.notifications",
    "fairbill.automation",
    "fairbill.orders",
    "fairbill.timebilling",
    "fairbill.reports",
    "fairbill.backoffice",
    "fairbill.portal",
    "fairbill.integrations.basecamp",
    "fairbill.imports",
    "fairbill.demo",
    "fairbill.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fairbill.core.middleware.settings_once_per_request",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "csp.middleware.CSPMiddleware",
]
# Durations and query counts in a Server-Timing header (benchmarks, browser dev tools).
if env_bool("SERVER_TIMING"):
    MIDDLEWARE.insert(0, "fairbill.core.timing.ServerTimingMiddleware")

ROOT_URLCONF = "fairbill.urls"
WSGI_APPLICATION = "fairbill.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "fairbill" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fairbill.core.context_processors.business",
            ],
            "builtins": ["fairbill.backoffice.templatetags.days"],
        },
    },
]

# Database: FAIRBILL_DATABASE_URL, default a SQLite file in ./var (WAL mode, see core.apps).
DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'fairbill.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(env("DATABASE_URL", DEFAULT_SQLITE), conn_max_age=60),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Covering indexes (INCLUDE) are for PostgreSQL's index-only scans; SQLite makes them
    # without the included columns, which is what it needs: no warning on every migrate.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
    sqlite_name = str(DATABASES["default"]["NAME"] or "")
    if sqlite_name and sqlite_name != ":memory:" and not sqlite_name.startswith("file:"):
        _private_file(Path(sqlite_name))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "backoffice:login"
LOGIN_REDIRECT_URL = "backoffice:dashboard"

# Lockout after repeated failures (django-axes): per username and IP.
AXES_ENABLED = env_bool("LOCKOUT", True)
AXES_FAILURE_LIMIT = int(env("LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "fairbill.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "fairbill.accounts.addresses.client_ip"

# Per-address throttling (accounts.throttle): failed logins (staff and My Account), wrong
# TOTP codes and password reset requests from one address, per window, counted in the
# database. 0 attempts = off.
THROTTLE_ATTEMPTS = int(env("THROTTLE_ATTEMPTS", "20"))
THROTTLE_MINUTES = int(env("THROTTLE_MINUTES", "15"))

# Content-Security-Policy (django-csp): only the app's own scripts, styles and images (all
# static files are served by the app, no CDN); no inline script or style, no plugins, no
# framing. Form targets are not restricted: paying redirects a form to Stripe Checkout.
# FAIRBILL_CSP_REPORT_ONLY=1 reports violations in the browser console instead of blocking.
_CSP_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
}
if env_bool("CSP_REPORT_ONLY"):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES}

OTP_TOTP_ISSUER = env("OTP_ISSUER", "Fairbill")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"  # filled by `fairbill collectstatic` (make run does it)
WHITENOISE_USE_FINDERS = True  # also serve straight from the app folders (tests, development)
try:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:  # a read-only install: collectstatic was run elsewhere
    pass
STATICFILES_DIRS = [BASE_DIR / "fairbill" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"

# Email: SMTP when FAIRBILL_EMAIL_HOST is set, otherwise printed to the console (a summary:
# attachments by name, type and size, not their bytes).
EMAIL_HOST = env("EMAIL_HOST")
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "fairbill.notifications.console.EmailBackend",
)
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
DEFAULT_FROM_EMAIL = env("EMAIL_FROM", "billing@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Hour of the day (business time zone) at which `fairbill worker` starts the daily billing run.
BILLING_HOUR = int(env("BILLING_HOUR", "6"))
# Seconds the billing run waits, at its end, for a customer whose record someone else held
# locked when its batch came (a payment being recorded, another run); PostgreSQL only.
BILLING_LOCK_WAIT = float(env("BILLING_LOCK_WAIT", "30"))
# SQLite: the billing run's inserts are written by a thread of their own while the next
# rows are built (faster on a machine with a core to spare; off on a CPU-bound server).
BILLING_WRITE_THREAD = env_bool("BILLING_WRITE_THREAD", True)
# A run still "running" with no heartbeat for this long is shown as interrupted.
BILLING_RUN_STALE_SECONDS = int(env("BILLING_RUN_STALE_SECONDS", "600"))
# Queued emails older than this are sent by the worker's outbox sweep (the after-commit task
# normally sends them at once; the sweep catches those a crash left behind).
EMAIL_OUTBOX_AFTER_SECONDS = int(env("EMAIL_OUTBOX_AFTER_SECONDS", "120"))

# Basecamp's Launchpad (OAuth) and API; point both at a fake server for demos and tests.
BASECAMP_LAUNCHPAD_URL = env("BASECAMP_LAUNCHPAD_URL", "https://launchpad.37signals.com")
BASECAMP_API_URL = env("BASECAMP_API_URL", "https://3.basecampapi.com")

# VAT number checks (docs/configuration.md): VIES for EU numbers, HMRC for GB numbers.
VIES_URL = env("VIES_URL", "https://ec.europa.eu/taxation_customs/vies/rest-api").rstrip("/")
HMRC_URL = env("HMRC_URL", "https://api.service.hmrc.gov.uk").rstrip("/")
HMRC_CLIENT_ID = env("HMRC_CLIENT_ID")
HMRC_CLIENT_SECRET = env("HMRC_CLIENT_SECRET")
VAT_CHECK_TIMEOUT = float(env("VAT_CHECK_TIMEOUT", "10"))
VAT_CHECK_RETRY_SECONDS = float(env("VAT_CHECK_RETRY_SECONDS", "1"))

# The public address of this installation, used in emails and links (no trailing slash).
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The Billing page's run progress: a file cache under var/, so that every server process
# (gunicorn runs several) sees the counts the process running the billing run writes.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "progress": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "progress"),
    },
}
# How long the link of a My Account invitation (a login created by staff) works.
INVITATION_DAYS = int(env("INVITATION_DAYS", "7"))

# Online payments (docs/payments.md). Stripe keys come from the environment only and are
# never logged. FAIRBILL_PAYMENT_GATEWAY: "stripe", "fake" (demo: no money moves), "offline"
# (bank transfer instructions only), or empty for the default: Stripe when its secret key is
# set, else the fake gateway when DEBUG is on or the demo data is loaded, else offline.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env("STRIPE_API_BASE")  # empty = Stripe's own; tests point it elsewhere
PAYMENT_GATEWAY = env("PAYMENT_GATEWAY").strip().lower()
# Which kinds of method My Account offers to save (Stripe payment method types, comma-separated;
# sepa_debit needs EUR and bacs_debit GBP, and both must be on in the Stripe account).
STRIPE_SETUP_METHODS = env_list("STRIPE_SETUP_METHODS", "card")
# Orders accepted per visitor address per hour on the public order forms.
ORDER_RATE_LIMIT = int(env("ORDER_RATE_LIMIT", "5"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # `fairbill worker` polls every few seconds: no "starting/exiting" lines each time,
        # nor two lines for every task done (an email each); a task that fails is an error.
        "django_tasks_db": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        # httpx logs every request with its full URL; the Basecamp client logs method, path
        # and status itself. WeasyPrint logs each step of every PDF.
        "httpx": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        # factur-x logs five lines for every Factur-X PDF it makes.
        "factur-x": {"level": "WARNING"},
    },
}
