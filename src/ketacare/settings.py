"""Django settings, all read from the environment (see README, "Configuration")."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import django_stubs_ext
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from ketacare.env import (
    env_bool,
    env_database,
    env_email,
    env_int,
    env_list,
    env_secret,
    env_str,
    env_twilio,
)

# Lets the generic admin and form classes be subscripted at run time, as mypy sees them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent
# Where the embedded SQLite database lives by default: the working directory.
DATA_DIR = Path(env_str("KETACARE_DATA_DIR", str(Path.cwd())))

DEBUG = env_bool("DEBUG", default=False)

_secret = env_secret("SECRET_KEY")
if _secret is None:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off.")
    _secret = "django-insecure-ketacare-development-only"  # noqa: S105 - DEBUG only
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

# Load the demo clinic on `ketacare run` when set (make run sets it).
KETACARE_DEMO = env_bool("KETACARE_DEMO", default=False)
# The address people sign in at: notifications carry a link to it, never health detail.
# Unset, `ketacare run` and `ketacare serve` set it from the address they serve (and pass
# it to the worker they start); a clinic sets it to its public https address.
KETACARE_SITE_URL = env_str("KETACARE_SITE_URL", "http://127.0.0.1:8000")
# `ketacare serve` (gunicorn): worker processes, and threads in each. Each thread keeps
# one database connection, so a server holds at most workers x threads of them.
KETACARE_SERVE_WORKERS = env_int("KETACARE_SERVE_WORKERS", 2, minimum=1)
KETACARE_SERVE_THREADS = env_int("KETACARE_SERVE_THREADS", 4, minimum=1)
# Where text messages go: a class with send(to, body, send_key); the console one logs them.
KETACARE_SMS_BACKEND = env_str("KETACARE_SMS_BACKEND", "ketacare.alerts.sms.ConsoleSmsBackend")
# Twilio (KETACARE_SMS_BACKEND=ketacare.alerts.sms.TwilioSmsBackend): TWILIO_ACCOUNT_SID,
# TWILIO_AUTH_TOKEN (or _FILE), TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID; refused at
# start when one is missing. Empty for any other backend.
_twilio = env_twilio(KETACARE_SMS_BACKEND)
TWILIO_ACCOUNT_SID = _twilio.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = _twilio.get("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM = _twilio.get("TWILIO_FROM", "")
TWILIO_MESSAGING_SERVICE_SID = _twilio.get("TWILIO_MESSAGING_SERVICE_SID", "")
TWILIO_API_BASE_URL = _twilio.get("TWILIO_API_BASE_URL", "")
# The clinic of the public site (its id): the self-screen's leads go to its screening
# list. Unset: the only clinic when there is exactly one; otherwise no contact form.
KETACARE_PUBLIC_CLINIC = env_str("KETACARE_PUBLIC_CLINIC", "") or None
# A national suicide and crisis line shown on the public pages (e.g. 988 in the US).
KETACARE_CRISIS_LINE = env_str("KETACARE_CRISIS_LINE", "")
# How long an API bearer token lives (days): a ketacare default (a month of a phone app
# without signing in again), not a published number.
KETACARE_API_TOKEN_DAYS = env_int("KETACARE_API_TOKEN_DAYS", 30, minimum=1)
# How long a portal invitation's link works (days): a ketacare default (a week to open
# the message and set a password), not a published number; staff resend an expired one.
KETACARE_INVITATION_DAYS = env_int("KETACARE_INVITATION_DAYS", 7, minimum=1)
# The notification outbox (ketacare defaults, no clinical number): tries per message,
# the first retry's wait (doubling after), when a claimed message counts as abandoned,
# and how many a worker takes at once.
KETACARE_OUTBOX_MAX_ATTEMPTS = env_int("KETACARE_OUTBOX_MAX_ATTEMPTS", 5, minimum=1)
KETACARE_OUTBOX_BACKOFF_BASE_S = env_int("KETACARE_OUTBOX_BACKOFF_BASE_S", 60, minimum=1)
KETACARE_OUTBOX_CLAIM_TIMEOUT_S = env_int("KETACARE_OUTBOX_CLAIM_TIMEOUT_S", 600, minimum=1)
KETACARE_OUTBOX_BATCH = env_int("KETACARE_OUTBOX_BATCH", 50, minimum=1)
# The audit chain's key (HMAC; audit.keys), kept outside the database: one key, or several
# separated by spaces (the first signs, the rest verify older entries). Like SECRET_KEY,
# required when DEBUG is off; in DEBUG a published development key that protects nothing.
_audit_key = env_secret("KETACARE_AUDIT_KEY")
if _audit_key is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "KETACARE_AUDIT_KEY (or KETACARE_AUDIT_KEY_FILE) must be set when DEBUG is off."
        )
    _audit_key = "ketacare-audit-development-key-not-secret"
KETACARE_AUDIT_KEY = _audit_key
# Where the worker appends signed audit checkpoints (audit.checkpoints); empty turns them off.
KETACARE_AUDIT_CHECKPOINT_FILE = env_str(
    "KETACARE_AUDIT_CHECKPOINT_FILE", str(DATA_DIR / "audit-checkpoints.jsonl")
)
# The research exports' key (HMAC of pseudonyms and date shifts; interop.exports). Unset,
# it is derived from SECRET_KEY, and pseudonyms then change when SECRET_KEY is rotated.
KETACARE_RESEARCH_KEY = env_secret("KETACARE_RESEARCH_KEY")
# Missed check-ins: minutes after the deadline before the alert (CLINICAL.md D gives the
# observation only: 0), and how far back a missed deadline is still raised (hours).
KETACARE_CHECK_IN_GRACE_MIN = env_int("KETACARE_CHECK_IN_GRACE_MIN", 0, minimum=0)
KETACARE_MISSED_CHECK_IN_LOOKBACK_H = env_int("KETACARE_MISSED_CHECK_IN_LOOKBACK_H", 24, minimum=1)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # the widgets' templates, for the project's form renderer
    "django_htmx",  # htmx itself ships in this package: {% htmx_script %}, never a CDN
    "ninja",  # its templates and static files: the API docs page without a CDN
    # Sign-in security: the second factor (an authenticator app, recovery codes) and the
    # lockout after repeated failures (web.signin).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "ketacare.accounts",
    "ketacare.patients",
    "ketacare.audit",
    "ketacare.reports",
    "ketacare.api",
    "ketacare.assessments",
    "ketacare.intake",
    "ketacare.treatment",
    "ketacare.alerts",
    "ketacare.invitations",
    "ketacare.notes",
    "ketacare.pharmacy",
    "ketacare.interop",
    "ketacare.jobs",
    "ketacare.demo",
    "ketacare.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ketacare.audit.middleware.AuditContextMiddleware",
    "ketacare.web.middleware.DisplayTimezoneMiddleware",
    "ketacare.web.middleware.NotFoundMiddleware",
    "ketacare.web.refusals.BusyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Sign-in security (web.signin): idle sign-out, the second factor before any page,
    # no copy of a page kept by a browser or proxy, the CSP, and the lockout page last.
    "ketacare.web.signin.middleware.IdleSignOutMiddleware",
    "ketacare.web.signin.middleware.SecondFactorMiddleware",
    "ketacare.web.signin.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ketacare.urls"
WSGI_APPLICATION = "ketacare.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
# Every form and field is drawn by the project's templates (web/form.html, web/field.html).
FORM_RENDERER = "ketacare.web.rendering.Renderer"

DATABASES = {
    "default": env_database("DATABASE_URL", "sqlite:///ketacare.sqlite3", base_dir=DATA_DIR),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A connection is kept per server thread for this long (seconds; 0 closes it after
    # each request): `ketacare serve`'s threads live as long as the server, so it holds at
    # most workers x threads. `ketacare run` (runserver, a thread per connection) sets 0.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("KETACARE_CONN_MAX_AGE", 60, minimum=0)
    # A kept connection the database dropped (a restart, a failover) is replaced at the
    # next request rather than failing it.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout (ketacare defaults, no clinical number): 10 wrong passwords (or second-factor
# codes) for one username lock it for 30 minutes, from any address: by username alone, so
# that guessing from many addresses is stopped too (someone could lock a colleague out on
# purpose; the clinic unlocks in the admin or with `ketacare axes_reset_username NAME`).
AXES_FAILURE_LIMIT = env_int("KETACARE_LOCKOUT_FAILURES", 10, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("KETACARE_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for the address as well, against locks that rotating user agents or
# cookies slip past; a lock keyed on the username cannot be slipped that way, and one keyed
# on the address would lock a whole clinic behind one address (or behind its proxy) at once.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# A right password alone does not wipe the count (wrong second-factor codes count too):
# the count clears when the second factor is given, or 30 minutes after the last failure.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "ketacare.web.signin.lockout.lockout_response"
AXES_VERBOSE = False
# Sign a person out after their clinic's idle minutes (web.signin.middleware); only the
# tests turn it off, where the clock jumps hours between two requests of one sign-in.
KETACARE_IDLE_SIGN_OUT = env_bool("KETACARE_IDLE_SIGN_OUT", default=True)
# The authenticator app shows this name beside the account.
OTP_TOTP_ISSUER = "ketacare"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Only for a deployment that runs collectstatic anyway: WhiteNoise serves straight from
# the apps, and warns at every start-up about a STATIC_ROOT that does not exist.
STATIC_ROOT = env_str("STATIC_ROOT", "") or None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve straight from the package; no collectstatic step

_email = env_email("EMAIL_URL", "console:")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or ""
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
if _email.get("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ketacare <no-reply@localhost>")

# Security: cookies and headers that `manage.py check --deploy` asks for.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8  # a working day; health data should not sit signed in
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = 0 if DEBUG else 60 * 60 * 24 * 365
# The whole domain is served over HTTPS only (README, "Production settings").
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# Content-Security-Policy (django-csp): only the site's own scripts, styles and images (and
# the QR code of the authenticator set-up, an inline data: image); no frame, no plug-in.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes logs every sign-in at INFO; its warnings (a lockout) are what to read.
    # WeasyPrint logs each step of every PDF (and of its own stylesheet at import) at INFO.
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}
