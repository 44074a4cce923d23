"""Which "models" a caller may use, and what each one means.

A model id is how an OpenAI client chooses who answers and from what:
- `acervo`: the default model profile, answering from every collection the caller may read;
- a model profile's name (admin → Model profiles): that profile, from every readable collection;
- `<model>:<collection name>` (e.g. `acervo:handbook`): that model answering only from that collection. One is
  listed per model and collection the caller may read (OPENAI_COLLECTION_MODELS=false lists none; an id naming a
  readable collection still works).
An id naming a collection the caller may not read is "not found", exactly like one that does not exist: the
list and the errors reveal nothing about collections outside the caller's reach.
"""

from dataclasses import dataclass

from django.conf import settings

from webapp.accounts.selectors import collections_readable_by
from webapp.chat.models import ModelProfile
from webapp.openai_compat.errors import MODEL_NOT_FOUND, OpenAIError

DEFAULT_MODEL = "acervo"
OWNER = "acervo"
MODEL_MISSING = "Say which model answers: `model` is required (GET /v1/models lists yours, e.g. 'acervo')."


@dataclass(frozen=True)
class ModelChoice:
    id: str
    profile: str | None  # a ModelProfile's name; None: the default profile (as /api/v1/chat without `profile`)
    collection_id: int | None  # None: every collection the caller may read
    collection: str | None
    created: int = 0  # profiles keep no creation time; a collection's model is as old as the collection

    def as_model(self) -> dict:
        """OpenAI's model object, with what it means in `acervo`."""
        return {"id": self.id, "object": "model", "created": self.created, "owned_by": OWNER,
                "acervo": {"profile": self.profile, "collection": self.collection}}


def _profiles() -> dict[str, str | None]:
    """Model id → profile name for whole-library models. A profile named `acervo` stands for itself."""
    profiles: dict[str, str | None] = {DEFAULT_MODEL: None}
    profiles.update({name: name for name in ModelProfile.objects.order_by("name").values_list("name", flat=True)})
    return profiles


def models_for(user) -> list[ModelChoice]:
    """Every model `user` may use, whole-library models first, then by collection name."""
    profiles = _profiles()
    found = [ModelChoice(model_id, profile, None, None) for model_id, profile in profiles.items()]
    if settings.OPENAI_COLLECTION_MODELS:
        for collection in collections_readable_by(user).order_by("name"):
            created = int(collection.created_at.timestamp())
            found += [ModelChoice(f"{model_id}:{collection.name}", profile, collection.pk, collection.name, created)
                      for model_id, profile in profiles.items()]
    return found


def model_resolve(user, model_id) -> ModelChoice:
    """What `model_id` means for `user`. Raises OpenAIError: 400 without a model, 404 for one they may not use."""
    if not isinstance(model_id, str) or not model_id.strip():
        raise OpenAIError(MODEL_MISSING, param="model", code="missing_model")
    profiles = _profiles()
    if model_id in profiles:
        return ModelChoice(model_id, profiles[model_id], None, None)
    readable = collections_readable_by(user)
    # Profile and collection names may hold ':' themselves: try every split.
    for at in (i for i, char in enumerate(model_id) if char == ":"):
        base, name = model_id[:at], model_id[at + 1 :]
        collection = readable.filter(name=name).first() if base in profiles else None
        if collection is not None:
            return ModelChoice(model_id, profiles[base], collection.pk, collection.name,
                               int(collection.created_at.timestamp()))
    raise OpenAIError(MODEL_NOT_FOUND.format(model=model_id), status=404, param="model", code="model_not_found")
