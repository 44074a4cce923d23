"""Debian's OpenLDAP server (slapd) for the LDAP login tests: its own config, database and loopback port in a
temporary folder, loaded with tests/directory.ldif. Requires the slapd package (scripts/system_packages.sh)."""

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests import services

SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
SUFFIX = "dc=acervo,dc=test"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "directory-admin"
DIRECTORY = Path(__file__).resolve().parent / "directory.ldif"

CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile {folder}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 16777216
suffix "{suffix}"
rootdn "{admin}"
rootpw {password}
directory {folder}/data
access to attrs=userPassword by anonymous auth by self write by * none
access to * by * read
"""


@dataclass
class Slapd:
    uri: str
    process: subprocess.Popen

    def admin(self):
        """A python-ldap connection bound as the directory's administrator, to change it during a test."""
        import ldap

        connection = ldap.initialize(self.uri)
        connection.simple_bind_s(ADMIN_DN, ADMIN_PASSWORD)
        return connection


def available() -> bool:
    return Path(SLAPD).exists() and Path(SLAPADD).exists()


def start(folder: Path) -> Slapd:
    (folder / "data").mkdir(parents=True)
    config = folder / "slapd.conf"
    config.write_text(CONFIG.format(folder=folder, suffix=SUFFIX, admin=ADMIN_DN, password=ADMIN_PASSWORD))
    loaded = subprocess.run([SLAPADD, "-f", str(config), "-l", str(DIRECTORY)], capture_output=True, text=True)
    assert loaded.returncode == 0, loaded.stderr
    port = services.free_port()
    uri = f"ldap://127.0.0.1:{port}/"
    # -d 0: stay in the foreground (so it is this process's child and stops with it) without debug output.
    process = subprocess.Popen([SLAPD, "-f", str(config), "-h", uri, "-d", "0"], stdout=subprocess.DEVNULL,
                               stderr=(folder / "slapd.log").open("ab"))
    server = Slapd(uri, process)
    services.wait_until(lambda: _answers(server) or process.poll() is not None, timeout=30, what="slapd",
                        log_path=folder / "slapd.log")
    assert process.poll() is None, (folder / "slapd.log").read_text()[-2000:]
    return server


def _answers(server: Slapd) -> bool:
    import ldap

    try:
        server.admin().unbind_s()
        return True
    except ldap.LDAPError:
        time.sleep(0.1)
        return False


def stop(server: Slapd, folder: Path) -> None:
    services.stop(server.process)
    shutil.rmtree(folder, ignore_errors=True)
