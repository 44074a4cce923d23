"""A catalogue failure's code and parameters (set by the worker) in words for the admin, in their language."""

from django.utils.translation import gettext


def error_text(code: str, params: dict) -> str:
    texts = {
        "file_exists": gettext("%(path)s already exists: remove it or choose another file name."),
        "http_status": gettext("The server answered HTTP %(status)s for %(url)s: check the address (and HF_TOKEN "
                               "for a gated Hugging Face model)."),
        "unreachable": gettext("Could not reach the server (%(detail)s): check the address and that this machine "
                               "can reach it, then retry."),
        "interrupted": gettext("The connection dropped %(attempts)s times (%(detail)s); what arrived is kept: "
                               "“Retry or resume” continues from there."),
        "bad_range": gettext("The server did not continue the file where asked (byte %(asked)s, it sent “%(got)s”); "
                             "the partial file was removed: retry to start over."),
        "not_enough_disk": gettext("Not enough free disk in %(folder)s: it needs %(need_mb)s MB (the file plus "
                                   "MODEL_DOWNLOAD_MIN_FREE_MB), %(free_mb)s MB are free. Free space, then retry."),
        "incomplete": gettext("The file is %(size)s bytes where the server announced %(expected)s; it was removed: "
                              "retry."),
        "not_gguf": gettext("This is not a GGUF model file (it does not start with “GGUF”): point to the .gguf file "
                            "itself, not to a web page."),
        "checksum_mismatch": gettext("The file's SHA-256 is %(actual)s, not the expected %(expected)s; it was removed. "
                                     "Check the checksum, then retry."),
        "not_found": gettext("There is no file at %(path)s on the server's machine."),
    }
    text = texts.get(code)
    if text is None:
        return gettext("Unexpected error: %(detail)s") % {"detail": params.get("detail", code)}
    try:
        return text % params
    except (KeyError, TypeError, ValueError):
        return f"{text} {params}"
