"""Settings for PLC, read from the environment (see README "Configuration").

Defaults are safe for production: DEBUG is off, a SECRET_KEY is required, cookies
are secure and HTTPS is enforced. `make run` and `make test` set the development
values themselves.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

from plc.env import env_bool, env_int, env_list, env_str, env_time_zone, env_url

BASE_DIR = Path(__file__).resolve().parent.parent

# A developer's checkout has a .env written by `make run` (DEBUG and a local
# SECRET_KEY), so `manage.py` works there without exporting anything. The real
# environment always wins; production has no .env.
if not os.environ.get("PLC_IGNORE_DOTENV"):
    load_dotenv(BASE_DIR / ".env", override=False)

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set; it is required when DEBUG is off. Generate one "
            "with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = "development-only-key-never-used-in-production"  # noqa: S105
elif not DEBUG and len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY is too short; use at least 32 characters.")
# Earlier keys, still accepted for what they signed or encrypted (sessions, reset
# links, two-factor secrets) while a new SECRET_KEY takes over.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set; list the host names this site answers to, "
        "separated by commas (e.g. plc.example.org)."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "accounts",
    "schools",
    "teams",
    "assessments",
    "interventions",
    "dashboards",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    # Log-in, its rate limits, two-factor (TOTP) and the list of a person's
    # sessions (docs/deployment.md, "Accounts").
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "schools.access_log.AccessLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionLimitMiddleware",
    "accounts.middleware.TwoFactorSetupMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "plc.urls"
WSGI_APPLICATION = "plc.wsgi.application"

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
                "schools.context_processors.roles",
                "interventions.context_processors.whats_new",
            ],
        },
    },
]

# Database: PostgreSQL only.
DATABASE_URL = env_url(
    "DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/plc",
    schemes=("postgres", "postgresql"),
)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60)
    )
}
DATABASES["default"]["OPTIONS"] = {"connect_timeout": 5}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env_str("DATABASE_TEST_NAME", ""):
    DATABASES["default"]["TEST"] = {"NAME": env_str("DATABASE_TEST_NAME")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboards:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Log-in (django-allauth): by e-mail address only; accounts come from the roster,
# so nobody signs up and nobody changes their address here.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
# No "remember me": the session cookie ends with the browser, and the idle and
# absolute limits below end the session on the server.
ACCOUNT_SESSION_REMEMBER = False
# Turning two-factor off, or on, asks for the password again after this long.
ACCOUNT_REAUTHENTICATION_TIMEOUT = 5 * 60
# Failed log-ins are counted per e-mail address typed (whether or not it has an
# account, so the answer reveals nothing) and per client address; past either
# limit, log-in is refused until the window has passed.
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 30, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
ACCOUNT_RATE_LIMITS = {
    "login_failed": (
        f"{LOGIN_FAILURES_PER_ADDRESS}/{LOGIN_LOCKOUT_MINUTES}m/ip,"
        f"{LOGIN_FAILURES_PER_ACCOUNT}/{LOGIN_LOCKOUT_MINUTES}m/key"
    ),
    # A whole school may reach the site from one address at 8 a.m.
    "login": "300/m/ip",
}
# Behind a proxy the client's address is the last one the proxy adds to
# X-Forwarded-For; counting the proxy's own address would lock out everyone.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int(
    "TRUSTED_PROXY_COUNT",
    1 if not DEBUG and env_bool("BEHIND_HTTPS_PROXY", True) else 0,
)
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "PLC"
# A code is accepted for one 30-second step either side, so a phone whose clock
# is a little off, or a code typed as it changes, still works; each code works
# once.
MFA_TOTP_TOLERANCE = 1
# Addresses come from the roster import, not from people typing them in.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# Roles whose holders must set up two-factor at their next log-in and cannot
# use the app until they have. Empty (REQUIRE_2FA_ROLES=) turns the
# requirement off, for a demo or a developer's machine; never in production.
_ROLES_2FA_CAN_REQUIRE = {
    "district_admin",
    "principal",
    "counselor",
    "teacher",
    "interventionist",
}
REQUIRE_2FA_ROLES = env_list("REQUIRE_2FA_ROLES", ["principal", "district_admin"])
if unknown_roles := set(REQUIRE_2FA_ROLES) - _ROLES_2FA_CAN_REQUIRE:
    raise ImproperlyConfigured(
        f"REQUIRE_2FA_ROLES names {', '.join(sorted(unknown_roles))}, which is not "
        f"a role; use any of {', '.join(sorted(_ROLES_2FA_CAN_REQUIRE))}."
    )

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60 * 24, minimum=60)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_time_zone("TIME_ZONE", "America/Chicago")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / ".local" / "media")))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: Redis is the broker; the database is the source of truth.
REDIS_URL = env_url(
    "REDIS_URL", "redis://127.0.0.1:6379/0", schemes=("redis", "rediss", "unix")
)
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "plc")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Nothing a request does may wait on the broker. A publish gives up within about a
# second whether Redis refuses (no reconnect loop: max_retries 0) or accepts and
# never answers (the socket timeout), and the outbox (accounts/outbox.py) keeps
# the message for the drainer. Workers and beat reconnect in a loop of their own
# (CELERY_BROKER_CONNECTION_MAX_RETRIES), which these options leave alone.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 60 * 60,
    "socket_connect_timeout": 1,
    "socket_timeout": 1,
    "max_retries": 0,
}
# A task published outside the outbox (a retry from a worker) tries a little,
# never for long.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "recompute-all-mastery": {
        # Students marked due whose message was lost; near free when none is.
        "task": "assessments.tasks.recompute_all_mastery",
        "schedule": 60 * 10,
        "options": {"expires": 60 * 9},
    },
    "requeue-stalled-imports": {
        "task": "schools.tasks.requeue_stalled_imports",
        "schedule": 60 * 10,
    },
    "purge-old-access-records": {
        "task": "schools.tasks.purge_access_records",
        "schedule": 60 * 60 * 24,
    },
    "purge-old-roster-files": {
        "task": "schools.tasks.purge_roster_files",
        "schedule": 60 * 60 * 24,
    },
    "purge-expired-sessions": {
        "task": "accounts.tasks.purge_expired_sessions",
        "schedule": 60 * 60 * 24,
    },
    "daily-reviews": {
        # Each school is reviewed once a day from its own hour; a quarter-hourly
        # beat catches a missed hour up (interventions/tasks.py).
        "task": "interventions.tasks.daily_reviews",
        "schedule": 60 * 15,
        "options": {"expires": 60 * 14},
    },
    "send-daily-digests": {
        # One e-mail per person with what is new, after the morning's reviews.
        "task": "interventions.tasks.send_daily_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    "send-pending-parent-notices": {
        "task": "interventions.tasks.send_pending_parent_notices",
        "schedule": 60 * 15,
        "options": {"expires": 60 * 14},
    },
    "count-kept-figures": {
        # Dashboards opened before, counted again once their school changed,
        # so the next visit does not wait for the counting.
        "task": "dashboards.tasks.count_kept_figures",
        "schedule": 60 * 5,
        "options": {"expires": 60 * 4},
    },
    "drain-outbox": {
        "task": "accounts.tasks.drain_outbox",
        "schedule": 60,
        # A drain nobody ran within the minute is replaced by the next one.
        "options": {"expires": 55},
    },
}

# The record of access to student data is kept this many days (0: for as long as
# the student records themselves, which is what FERPA asks by default). A district
# whose agreement sets a period puts it here; a daily job deletes older records.
ACCESS_LOG_RETENTION_DAYS = env_int("ACCESS_LOG_RETENTION_DAYS", 0, minimum=0)
# Uploaded roster files hold whole rosters; they are deleted this many days after
# their import finished (0: kept), the run and its report staying.
ROSTER_FILE_RETENTION_DAYS = env_int("ROSTER_FILE_RETENTION_DAYS", 30, minimum=0)

# E-mail: console in development, SMTP otherwise.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on.")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "PLC <no-reply@localhost>")
# Links in e-mails (the daily digest) lead here; the first allowed host by default.
SITE_URL = env_url(
    "SITE_URL",
    f"https://{ALLOWED_HOSTS[0].lstrip('.')}"
    if ALLOWED_HOSTS and not DEBUG
    else "http://localhost:8000",
    schemes=("http", "https"),
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Rate limits of log-in live in this cache, shared by every web process: the
# database by default (the table comes with accounts' migrations), or Redis with
# CACHE_URL=redis://…
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_url("CACHE_URL", "", schemes=("redis", "rediss", "unix")),
            "KEY_PREFIX": "plc",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "plc_cache",
        }
    }

# Security: strict unless DEBUG is on.
# A session ends after this long without a request, and this long after log-in
# whatever happens (accounts/middleware.py).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = 60 * 60 * SESSION_MAX_HOURS
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content Security Policy (django-csp): the pages run only the site's own scripts
# and styles, from files. No inline <script>, no style="" attribute, no eval, so
# text someone typed into a field can never run as code. Templates put styles in
# static/css and scripts in static/js; htmx is told not to inject or evaluate
# anything (templates/base.html). No page may be framed, nor post elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF],
        "img-src": [CSP_SELF, "data:"],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
        "base-uri": [CSP_NONE],
        "object-src": [CSP_NONE],
    }
}
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Preload asks browsers to ship the domain as HTTPS-only; it is hard to undo,
    # so an operator who cannot promise HTTPS for every subdomain turns it off.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("BEHIND_HTTPS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
