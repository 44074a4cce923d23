"""Upgrading moves profiles still at the old repeat-penalty default (1.1) to the new one (1.0), which answers the same
in-process and right through llama-server; a penalty someone chose stays as it was."""

import pytest

from retrieval.types import GenerationParams
from tests.migrating import migrate, migrate_to_latest

BEFORE = [("chat", "0012_chat_verbose_names")]
AFTER = [("chat", "0013_repeat_penalty_one")]


@pytest.mark.django_db(transaction=True)
def test_profiles_at_the_old_default_move_to_the_new_one_and_chosen_ones_stay():
    apps = migrate(BEFORE)
    try:
        Profile = apps.get_model("chat", "ModelProfile")
        Profile.objects.create(name="default", is_default=True)  # the old default, 1.1
        Profile.objects.create(name="chosen", repeat_penalty=1.3)

        apps = migrate(AFTER)

        Profile = apps.get_model("chat", "ModelProfile")
        assert dict(Profile.objects.values_list("name", "repeat_penalty")) == {"default": 1.0, "chosen": 1.3}
        assert Profile.objects.create(name="new").repeat_penalty == GenerationParams().repeat_penalty == 1.0
    finally:
        migrate_to_latest()
