"""The test OpenID Connect provider (tests/oidc_provider) as a real second process on a free loopback port."""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests import services

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Provider:
    url: str
    env: dict
    process: subprocess.Popen

    @property
    def issuer(self) -> str:
        return f"{self.url}/openid"

    def seed(self, data: dict) -> None:
        """Client and users, as tests/oidc_provider/seed.py reads them."""
        import json

        _run([sys.executable, "-m", "tests.oidc_provider.seed", json.dumps(data)], self.env)


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]


def start_provider(folder: Path) -> Provider:
    env = dict(os.environ, PROVIDER_DB=str(folder / "provider.sqlite3"), PYTHONUNBUFFERED="1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, "-m", "tests.oidc_provider"]
    _run([*manage, "migrate", "--noinput", "-v", "0"], env)
    _run([*manage, "creatersakey"], env)
    port = services.free_port()
    log = folder / "provider.log"
    process = subprocess.Popen([*manage, "runserver", f"127.0.0.1:{port}", "--noreload"], cwd=ROOT, env=env,
                               stdout=log.open("ab"), stderr=subprocess.STDOUT)
    provider = Provider(f"http://127.0.0.1:{port}", env, process)

    def up() -> bool:
        try:
            return httpx.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=1).status_code == 200
        except httpx.HTTPError:
            return process.poll() is not None

    services.wait_until(up, timeout=60, what="OIDC provider", log_path=log)
    assert process.poll() is None, log.read_text()[-3000:]
    return provider
