"""One settings module, read from the environment.

``DJANGO_ENV=production`` switches on the production profile: no default secret key (the portal
refuses to start without ``SECRET_KEY``), no debug, secure cookies and HSTS. Everything else has a
development default that needs no server: a SQLite file and a file-system Celery broker.
"""

import datetime
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# ---------------------------------------------------------------------------------------------
# Profile
# ---------------------------------------------------------------------------------------------
DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development or production, not {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"
#: The key in the repository: development's default, refused in production (config/checks.py).
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-3b1f0c2e9d8a7654-do-not-deploy"

if PRODUCTION:
    # No default: a production portal must never run on a key that is in the repository.
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production")
else:
    SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)

DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# ---------------------------------------------------------------------------------------------
# Applications
# ---------------------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "import_export",
    "django_ratelimit",
    "axes",
    # The project's own app: the sign-in doors' receivers (config/auth.py), the audit (config/audit.py),
    # the production profile's checks (config/checks.py).
    "config.apps.PortalConfig",
    "notices",
    "platforms",
    "liaison",
    "issues",
    "achievements",
    "evaluation",
    "voice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Right after the sessions: moves a session's end on when it is due (SESSION_COOKIE_AGE below).
    "config.middleware.SlidingSessionMiddleware",
    "config.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: it turns a sign-in refused for a lockout into the lockout page (config.auth).
    "axes.middleware.AxesMiddleware",
]
if PRODUCTION:
    # The app serves its own static files, compressed and with hashed names (STORAGES below).
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "liaison.context_processors.portal",
                "notices.context_processors.inbox",
            ],
        },
    },
]

# ---------------------------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------------------------
SILENCED_SYSTEM_CHECKS: list[str] = []
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The worker, beat and the web process share one SQLite file in development: wait for locks
    # instead of failing, and take the write lock at BEGIN so concurrent writers queue cleanly.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # The INCLUDE columns of a covering index (PostgreSQL's) are dropped on SQLite, which is fine.
    SILENCED_SYSTEM_CHECKS += ["models.W040"]
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT compilation: it is for long analytical queries, and the planner's estimates for the
    # evaluation's correlated subqueries set it off on ordinary ones, compiling for longer than they
    # run (bench/README.md, "The evaluation at national scale").
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------------------------------------
# Cache (the rate limits' counters)
# ---------------------------------------------------------------------------------------------
# CACHE_URL=redis://host:6379/1 shares the counters between the web processes (Django's own
# RedisCache); without it each process counts alone in memory, which is fine for development.
CACHE_URL = env.str("CACHE_URL", default="")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL},
              "evaluation": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"}}
    # The evaluation's kept boards (evaluation.kept) must be shared by the web processes and the
    # Celery worker, whose writes change the records too: on disk when there is no shared cache.
    # A board is kept in a few hundred parts at national scale (evaluation.figures): room for
    # several periods' and languages' (the file cache's default, 300 files, would cull them).
    CACHES["evaluation"] = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                            "LOCATION": str(VAR_DIR / "cache" / "evaluation"), "OPTIONS": {"MAX_ENTRIES": 5000}}
    if not PRODUCTION:
        # django-ratelimit refuses a per-process cache (E003); in development that is what we want.
        # In production the error stands: `manage.py check` fails until CACHE_URL is set.
        SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003"]
# django-ratelimit lists django-redis, not Django's own RedisCache, which increments atomically too.
SILENCED_SYSTEM_CHECKS += ["django_ratelimit.W001"]
#: The header that holds the client's address (behind a proxy: HTTP_X_REAL_IP or the like, set by it).
RATELIMIT_IP_META_KEY = env.str("RATELIMIT_IP_META_KEY", default="REMOTE_ADDR")

# ---------------------------------------------------------------------------------------------
# Authentication
# ---------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# django-axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = ["config.auth.PortalAxesBackend", "django.contrib.auth.backends.ModelBackend"]
# A session ends after a working day without a request, give or take a twentieth of it: a request
# moves the end on once a twentieth has passed since it was last moved (config.middleware.
# SlidingSessionMiddleware), not on every request, which would write the session's row each time.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=9 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ENGINE = "config.sessions"
#: API tokens (config.auth) are refused this many hours after they were issued; a password change ends them.
PORTAL_API_TOKEN_HOURS = env.int("PORTAL_API_TOKEN_HOURS", default=24 * 30)
#: Token requests (POST /api/v1/auth/token/) per client address (DRF's throttle; axes locks out on top).
PORTAL_API_TOKEN_RATE = env.str("PORTAL_API_TOKEN_RATE", default="20/min")
# Brute force (django-axes, on the sign-in page, the admin's and the API token endpoint): after
# AXES_FAILURE_LIMIT failed sign-ins for one username, or from one address, sign-in is refused for
# AXES_COOLOFF_MINUTES; admins unlock in the admin (Access attempts). Every sign-in, failed or not,
# and every sign-out is logged there too (Access logs, Access failures).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "config.auth.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.auth.client_ip"  # the address the rate limits use (RATELIMIT_IP_META_KEY)
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# ---------------------------------------------------------------------------------------------
# Language and time
# ---------------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# ---------------------------------------------------------------------------------------------
# Static files
# ---------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

# ---------------------------------------------------------------------------------------------
# Content-Security-Policy (django-csp)
# ---------------------------------------------------------------------------------------------
# Only the portal's own assets: no inline script, no inline style (templates and static/js set
# none; htmx's own indicator style is off, see base.html), images from the portal or data: URLs
# (the icon, the QR codes). The browser tests run with it on (tests/browser/test_csp.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# ---------------------------------------------------------------------------------------------
# E-mail
# ---------------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="liaison-portal@localhost")
#: The portal's address as its users reach it: e-mails link back to the issue or platform.
PORTAL_SITE_URL = env.str("PORTAL_SITE_URL", default="http://127.0.0.1:8000")

# ---------------------------------------------------------------------------------------------
# Celery
# ---------------------------------------------------------------------------------------------
# Default broker: kombu's file-system transport, which needs no server, so `make run` works on a
# fresh machine. Set CELERY_BROKER_URL=redis://... to use Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery-broker"
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Short socket timeouts: a broker that is down must not hang whoever publishes (beat, or a
    # service's after-commit enqueue); what was not published is picked up by the next sweep.
    #
    # The visibility timeout is how long a message taken by a worker that then dies whole (the
    # main process, the machine) stays invisible before Redis hands it out again; every running
    # worker checks for such messages every few seconds (the restore interval, scanned on every
    # check). Minutes, not kombu's hour: the morning's reminders must not wait that long. It must
    # be longer than any task runs and any retry waits (notices.tasks.RETRY_OPTIONS), or Redis
    # hands a message out a second time while it is still being worked on: harmless, since every
    # task is idempotent, but wasted. A pool child killed alone is not this case: its message is
    # requeued at once (CELERY_TASK_REJECT_ON_WORKER_LOST below).
    BROKER_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=300)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
        "unacked_restore_interval": max(1, min(10, BROKER_VISIBILITY_TIMEOUT // 2)),
        "unacked_restore_throttle": 1,
        "socket_timeout": 5,
        "socket_connect_timeout": 5,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 5
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Acknowledged only once done: a message whose worker died is delivered again, not lost.
CELERY_TASK_ACKS_LATE = True
# A prefork child killed mid-task (SIGKILL, the out-of-memory killer) has its message requeued by
# the worker's main process at once, to run again in a fresh child within seconds. A task that
# itself kills its child every time would loop; none of the portal's does (they are short
# database work and SMTP with timeouts).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Workers and beat wait out a broker outage of any length (Celery gives up after 100 attempts, about
# 45 minutes, and exits: under honcho that stops every process).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None

# ---------------------------------------------------------------------------------------------
# REST framework and the API schema
# ---------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "config.auth.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "config.auth.PortalBrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "config.api_schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Liaison portal API",
    "DESCRIPTION": "The service system for high-level science and technology innovation platforms.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served by the portal itself: the docs page loads nothing from the internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # The schema and its docs: anyone in development, a signed-in user in production.
    "SERVE_PERMISSIONS": [
        "rest_framework.permissions.IsAuthenticated" if PRODUCTION else "rest_framework.permissions.AllowAny"
    ],
    # Units and contacts both have a ``kind``: name their enums instead of a generated hash.
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "liaison.models.Unit.Kind",
        "ContactKindEnum": "liaison.models.Contact.Kind",
        # An issue's class is ``issue_class`` on the issue and ``new_class`` when reclassifying.
        "IssueClassEnum": "issues.models.IssueClass",
        "CalendarDayKindEnum": "issues.models.CalendarDay.Kind",
        # An achievement's stage is ``stage`` and ``dropped_from``; a mode is recommended and then recorded.
        "AchievementStageEnum": "achievements.models.Stage",
        "TransformationModeEnum": "achievements.models.TransformationMode",
        "DemandStatusEnum": "achievements.models.DemandStatus",
        "MatchStatusEnum": "achievements.models.MatchStatus",
        # A service record's kind, beside a contact's and a unit's.
        "ServiceKindEnum": "achievements.models.ServiceKind",
    },
}

# ---------------------------------------------------------------------------------------------
# Portal rules (the design's numbers, as settings)
# ---------------------------------------------------------------------------------------------
PORTAL = {
    "MIN_PLATFORMS_PER_CADRE": 2,
    "MAX_PLATFORMS_PER_CADRE": 4,
    # A new assignment: first contact within this many days, first visit by the end of its month.
    "FIRST_CONTACT_DAYS": env.int("PORTAL_FIRST_CONTACT_DAYS", default=7),
    # The first visit is due by the end of the month the assignment started in, unless fewer than
    # this many days (0 to 28) remain from its first day to the month's last: then by the end of the
    # next month. 0 keeps the plain end-of-month rule.
    "FIRST_VISIT_MIN_DAYS": env.int("PORTAL_FIRST_VISIT_MIN_DAYS", default=10),
    # Reminders before an issue's due date, in working days (the due day itself is always reminded).
    "REMINDER_WORKING_DAYS_BEFORE": [3, 1],
    # Escalation to the office this many working days after the first overdue working day.
    "OFFICE_ESCALATION_WORKING_DAYS": env.int("PORTAL_OFFICE_ESCALATION_WORKING_DAYS", default=5),
    # Contact duty: remind the cadre when this many days of the quarter remain.
    "QUARTER_END_REMINDER_DAYS": 15,
    # An achievement still in an active stage after this many working days since it entered it
    # reminds the platform's responsible cadre, once per stay in the stage.
    "ACHIEVEMENT_STALE_WORKING_DAYS": {"collected": 10, "assessed": 20, "matched": 20, "negotiating": 40},
    # The dispatch report: "weekly" (Mondays 08:30), "biweekly" (every other Monday) or "monthly"
    # (the 1st), each for the period just ended; `manage.py check` refuses any other value.
    "DISPATCH_REPORT_FREQUENCY": env.str("PORTAL_DISPATCH_REPORT_FREQUENCY", default="weekly"),
    # A platform's links (voice/): days a standing link and a rating link stay valid, and how many
    # openings django-ratelimit allows per link and per client address.
    "PLATFORM_LINK_DAYS": env.int("PORTAL_PLATFORM_LINK_DAYS", default=365),
    "RATING_LINK_DAYS": env.int("PORTAL_RATING_LINK_DAYS", default=30),
    "LINK_RATE_PER_LINK": env.str("PORTAL_LINK_RATE_PER_LINK", default="30/m"),
    "LINK_RATE_PER_ADDRESS": env.str("PORTAL_LINK_RATE_PER_ADDRESS", default="60/m"),
    # A need a platform raises (issues.needs): working days its responsible cadre has to classify
    # it (day 1 is the next working day); reminded on that day, escalated to the leader the next.
    "NEED_CLASSIFY_WORKING_DAYS": env.int("PORTAL_NEED_CLASSIFY_WORKING_DAYS", default=1),
    # The evaluation's boards are kept until a record they count changes (evaluation.kept); after a
    # change, a board counted less than this many seconds ago is still served, with the time it was
    # counted. 0 (a city: a board counts in a tenth of a second) counts again at once; a province's
    # or a country's portal, whose records change every second, sets a few minutes.
    "EVALUATION_STALE_SECONDS": env.int("PORTAL_EVALUATION_STALE_SECONDS", default=0),
}

# ---------------------------------------------------------------------------------------------
# Production hardening
# ---------------------------------------------------------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    # The load balancer probes /healthz/ over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]

# The health endpoint (config/health.py): how long it waits for the broker, and how old beat's
# last run may be (beat sends a job every minute; 0 reports its last run without judging it,
# development's default, where beat often is not running).
HEALTH_BROKER_TIMEOUT = env.float("HEALTH_BROKER_TIMEOUT", default=2.0)
HEALTH_BEAT_MAX_AGE_MINUTES = env.int("HEALTH_BEAT_MAX_AGE_MINUTES", default=15 if PRODUCTION else 0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
