"""mypy over the worker packages (ingestion/, retrieval/; settings in mypy.ini): a type error fails `make test`."""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_finds_no_type_errors_in_the_worker_packages():
    mypy = shutil.which("mypy", path=str(Path(sys.executable).parent))
    if mypy is None:
        pytest.fail("mypy is not installed in this virtualenv: `make install` installs requirements.txt")
    cache = Path(tempfile.gettempdir()) / "acervo-mypy-cache"  # outside the checkout, kept between runs
    result = subprocess.run([mypy, "--cache-dir", str(cache), "ingestion", "retrieval"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
