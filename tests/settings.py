"""Test settings: the real settings, with a fresh data folder, Redis database 15 and the tiny model.

Environment variables still win, so the worker and web processes the tests start see the same values.
"""

import os
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="acervo-test-"))
os.environ.setdefault("MODELS_DIR", str(ROOT / "var" / "models"))
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
# Its own key prefix (Celery queues included), so test runs sharing one Redis never take each other's tasks.
os.environ.setdefault("REDIS_KEY_PREFIX", f"acervo-test-{uuid.uuid4().hex[:8]}:")
os.environ.setdefault("LLM_MODEL_PATH", str(ROOT / "var" / "models" / "tiny-test.gguf"))
os.environ.setdefault("LLM_CONTEXT_SIZE", "2048")
# The tiny model writes random tokens, line breaks among them: answers long enough to stop, resume and time out.
os.environ.setdefault("ANSWER_ONE_LINE", "false")
os.environ.setdefault("API_RATE_LIMIT_PER_MINUTE", "100000")
# Synced sources (tests/test_sync_*.py): folders under this one may be watched; sites on loopback may be crawled.
os.environ.setdefault("SYNC_ALLOWED_ROOTS", tempfile.mkdtemp(prefix="acervo-test-watched-"))
os.environ.setdefault("CRAWL_ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("SYNC_CHECK_EVERY_S", "1")

from webapp.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Serve static files from the source folders, so tests never depend on a collectstatic run.
WHITENOISE_USE_FINDERS = True
