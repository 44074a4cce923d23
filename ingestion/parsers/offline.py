"""LibreOffice kept off the network while it converts an uploaded file.

A legacy document can link a picture by address (Word's INCLUDEPICTURE field, a linked image in a slide): LibreOffice
fetches it while converting, so an uploader could make the worker send requests to any address it can reach, the
loopback and the private network included (blind SSRF, issue 18 item 8). Two layers, each enough on its own:

1. The command runs in a new, empty network namespace (`unshare -rn`: a user namespace, so no root is needed) when
   the kernel allows it; inside, not even the loopback is up. Containers often forbid user namespaces: then the
   command runs as it is, with a warning logged once.
2. The LibreOffice profile is seeded with settings that route every HTTP, HTTPS and FTP request through a proxy on a
   loopback port nothing serves (port 1), with no exceptions, and turn on its "block untrusted referer links" mode
   for loads that name the document as their referer. Changing "update links" alone does not help: the linked
   picture of a .doc is fetched on import and export whatever it says (checked with LibreOffice 7.4).

The same profile also has no plain-text import filters: LibreOffice imports any file it does not recognise as text,
so random bytes would "convert" into a document of noise; without those filters such a file fails to load
(ingestion.parsers.legacy relies on this to refuse what nobody recognises).
"""

import atexit
import contextlib
import functools
import itertools
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

UNSHARE = ["unshare", "--user", "--map-root-user", "--net"]  # a new user namespace, so no root is needed
DEAD_PROXY = ("127.0.0.1", 1)  # tcpmux: closed on any machine we run on, so a proxied request fails at once
NO_NAMESPACE = ("user namespaces are not available here (%s): LibreOffice conversions run without a network "
                "namespace, kept offline by their profile's proxy settings only")
# proxy environment variables would be read by libcurl inside LibreOffice, and NO_PROXY could exempt an address
PROXY_ENVIRONMENT = {"http_proxy", "https_proxy", "ftp_proxy", "all_proxy", "no_proxy"}

_SETTINGS = {
    "/org.openoffice.Inet/Settings": {
        "ooInetProxyType": "1",  # 1 = manual: the names and ports below, never the system's
        "ooInetNoProxy": "",
        "ooInetHTTPProxyName": DEAD_PROXY[0],
        "ooInetHTTPProxyPort": str(DEAD_PROXY[1]),
        "ooInetHTTPSProxyName": DEAD_PROXY[0],
        "ooInetHTTPSProxyPort": str(DEAD_PROXY[1]),
        "ooInetFTPProxyName": DEAD_PROXY[0],
        "ooInetFTPProxyPort": str(DEAD_PROXY[1]),
    },
    "/org.openoffice.Office.Common/Security/Scripting": {"BlockUntrustedRefererLinks": "true"},
}
# Writer's and Writer/Web's plain-text importers: the fallback for a file no other filter recognises
_REMOVED_FILTERS = ("Text", "Text (encoded)", "Text (StarWriter/Web)", "Text (encoded) (StarWriter/Web)",
                    "Text (encoded) (StarWriter/GlobalDocument)")


def command(arguments: list[str]) -> list[str]:
    """`arguments` (a LibreOffice command line) wrapped to run without a network where the kernel allows it."""
    return [*UNSHARE, *arguments] if _namespaces_work() else arguments


def environment() -> dict[str, str]:
    """This process's environment without the proxy variables (any case) that could send LibreOffice elsewhere."""
    return {name: value for name, value in os.environ.items() if name.lower() not in PROXY_ENVIRONMENT}


_idle_profiles: list[Path] = []
_profiles_lock = threading.Lock()
_profile_numbers = itertools.count()


@contextlib.contextmanager
def profile() -> Iterator[Path]:
    """A LibreOffice profile for one conversion, reused by later ones because creating it costs seconds.

    Two instances sharing a profile block each other (the second one fails to load its file), and the worker
    ingests INGEST_CONCURRENCY documents at once, so each conversion holds a profile of its own: an idle one, or a
    new one. Each is seeded with the offline settings before LibreOffice first starts (it keeps them when it
    rewrites the file) and removed when the process ends."""
    with _profiles_lock:
        folder = _idle_profiles.pop() if _idle_profiles else None
    if folder is None:
        folder = _new_profile(next(_profile_numbers))
    try:
        yield folder
    finally:
        with _profiles_lock:
            _idle_profiles.append(folder)


def _new_profile(number: int) -> Path:
    folder = Path(tempfile.gettempdir()) / f"acervo-soffice-{os.getuid()}-{os.getpid()}-{number}"
    shutil.rmtree(folder, ignore_errors=True)  # a dead process with the same id may have left one
    (folder / "user").mkdir(parents=True, mode=0o700)
    (folder / "user" / "registrymodifications.xcu").write_text(registry_modifications(), encoding="utf-8")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def registry_modifications() -> str:
    """The profile file that holds user settings: the offline settings, and the text import filters removed."""
    items = "".join(
        f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value></prop></item>\n'
        for path, props in _SETTINGS.items() for name, value in props.items()
    )
    items += "".join(f'<item oor:path="/org.openoffice.TypeDetection.Filter/Filters"><node oor:name="{name}" '
                     'oor:op="remove"/></item>\n' for name in _REMOVED_FILTERS)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
            'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            f"{items}</oor:items>\n")


@functools.cache
def _namespaces_work() -> bool:
    """Whether `unshare` can make an unprivileged network namespace here; asked once per process."""
    if shutil.which("unshare") is None:
        log.warning(NO_NAMESPACE, "no unshare program")
        return False
    try:
        done = subprocess.run([*UNSHARE, "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as error:
        log.warning(NO_NAMESPACE, error)
        return False
    if done.returncode != 0:
        log.warning(NO_NAMESPACE, done.stderr.decode("utf-8", "replace").strip()[:200])
    return done.returncode == 0
