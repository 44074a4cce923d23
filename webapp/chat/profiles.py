"""The model profile in use when an admin has made none: created from the settings, so a fresh install's admin →
Model profiles shows what answers with (and where to change it) instead of an empty list."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from webapp.chat.models import ModelProfile


def profile_ensure_default() -> tuple[ModelProfile, bool]:
    """The default profile; when there is none, one named "default" made from the current settings (its model path
    left empty: it follows LLM_URL / LLM_MODEL_PATH / the bundled model). Returns (profile, created)."""
    with transaction.atomic():
        found = ModelProfile.objects.select_for_update().filter(is_default=True).first()
        if found:
            return found, False
        name = "default" if not ModelProfile.objects.filter(name="default").exists() else "default (settings)"
        return ModelProfile.objects.create(
            name=name, is_default=True, context_size=settings.LLM_CONTEXT_SIZE, threads=settings.LLM_THREADS,
            gpu_layers=settings.LLM_GPU_LAYERS, temperature=settings.ANSWER_TEMPERATURE,
            max_tokens=settings.ANSWER_MAX_TOKENS, timeout_s=settings.ANSWER_TIMEOUT_S,
        ), True


def model_in_use(profile: ModelProfile | None = None) -> str:
    """What answers for `profile` (or a profile with no model path), in words: a server, a file, the bundled model or
    none (search-only mode)."""
    if profile is not None and profile.model_path:
        return profile.model_path
    if settings.LLM_URL:
        return gettext("the server at LLM_URL (%(url)s), model %(model)s") % {"url": settings.LLM_URL,
                                                                               "model": settings.LLM_MODEL}
    if settings.LLM_MODEL_PATH.lower() == "none":
        return gettext("none: LLM_MODEL_PATH=none (search-only mode)")
    if settings.LLM_MODEL_PATH:
        return settings.LLM_MODEL_PATH
    return gettext("the bundled Gemma 3 270M (a small base model: good for the quote and short answers)")
