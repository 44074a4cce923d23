"""What the answer says when it is not written by the model, in the question's language."""

from retrieval.types import Passage

FAILED = "The answer could not be generated because of an internal error. Try again; if it persists, tell an administrator."

NOT_COVERED = {
    "pt": "Os documentos que você pode consultar não cobrem essa pergunta. Coleções pesquisadas: {names}.",
    "en": "The documents you can read do not cover this question. Collections searched: {names}.",
}
NOT_ANSWERED = {
    "pt": (
        "Os documentos que você pode consultar não respondem a essa pergunta. Coleções pesquisadas: {names}. "
        "Os trechos mais próximos estão abaixo, mas não a respondem."
    ),
    "en": (
        "The documents you can read do not answer this question. Collections searched: {names}. "
        "The closest passages are below, but they do not answer it."
    ),
}
NO_COLLECTIONS = {
    "pt": "nenhuma (você ainda não tem acesso a nenhuma coleção)",
    "en": "none (you do not have access to any collection yet)",
}
SEARCH_ONLY = {
    "pt": (
        "Modo somente busca: nenhum modelo de linguagem está disponível, então aqui estão os trechos mais "
        "relevantes. Um administrador pode configurar um modelo com LLM_MODEL_PATH (um arquivo .gguf) ou LLM_URL."
    ),
    "en": (
        "Search-only mode: no language model is available, so here are the most relevant passages. "
        "An administrator can configure a model with LLM_MODEL_PATH (a .gguf file) or LLM_URL."
    ),
}


def not_covered(language: str, collection_names: list[str]) -> str:
    names = ", ".join(collection_names) if collection_names else NO_COLLECTIONS[language]
    return NOT_COVERED[language].format(names=names)


def not_answered(language: str, collection_names: list[str]) -> str:
    names = ", ".join(collection_names) if collection_names else NO_COLLECTIONS[language]
    return NOT_ANSWERED[language].format(names=names)


def search_only(language: str, passages: list[Passage]) -> str:
    lines = [SEARCH_ONLY[language], ""]
    for p in passages:
        snippet = " ".join(p.text.split())
        snippet = snippet[:300] + ("…" if len(snippet) > 300 else "")
        lines.append(f"- {p.title}: {snippet} [{p.n}]")
    return "\n".join(lines)
