#!/usr/bin/env bash
# Debian packages the ingestion parsers and the browser tests call as programs:
#   tesseract-ocr (+ por, eng)   OCR of scanned PDF pages and images (OCR_LANGUAGES, default "por+eng")
#   libreoffice-*-nogui          converts legacy .doc/.ppt (soffice --headless --convert-to)
#   chromium                     headless browser for the browser tests
#   libldap2-dev, libsasl2-dev   headers python-ldap (django-auth-ldap, LDAP logins) compiles against
#   slapd, ldap-utils            the OpenLDAP server the LDAP login tests start with a small directory
# Idempotent: installs only what is missing, runs `apt-get update` only then, and prints what it installs.
# Extra package names as arguments are installed too when missing (run.sh: redis-server).
# While another install holds apt's lock (unattended-upgrades, a second terminal), it waits, saying so, for up to
# APT_LOCK_WAIT_S seconds (default 900) instead of failing at once.
set -euo pipefail

PACKAGES=(
  tesseract-ocr
  tesseract-ocr-por
  tesseract-ocr-eng
  libreoffice-core-nogui
  libreoffice-writer-nogui
  libreoffice-impress-nogui
  chromium
  libldap2-dev
  libsasl2-dev
  slapd
  ldap-utils
  "$@"
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${PACKAGES[*]})"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# apt-get, run again while another process holds apt's or dpkg's lock (the only failure worth waiting out).
apt_get() {
  local waited=0 errors status
  errors=$(mktemp)
  while true; do
    status=0
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get "$@" 2>"$errors" || status=$?
    if [ "$status" -eq 0 ] || ! grep -q -E "Could not get lock|Unable to acquire the dpkg|Unable to lock" "$errors"; then
      cat "$errors" >&2; rm -f "$errors"; return "$status"
    fi
    if [ "$waited" -ge "${APT_LOCK_WAIT_S:-900}" ]; then
      cat "$errors" >&2; rm -f "$errors"
      echo "system packages: apt is still busy after ${waited} s; when the other install has finished, run this again" >&2
      return "$status"
    fi
    if [ $((waited % 60)) -eq 0 ]; then
      echo "system packages: another program is installing packages (apt/dpkg lock held: $(grep -o -m1 'held by process [0-9]* ([^)]*)' "$errors" || echo 'by another process')); waiting for it… (${waited} s so far)"
    fi
    sleep 10; waited=$((waited + 10))
  done
}

echo "system packages: installing ${missing[*]}"
apt_get update -qq
# Recommends would pull in desktop fonts and GUI helpers that headless conversion and OCR do not use.
apt_get install -y -qq --no-install-recommends "${missing[@]}"
echo "system packages: installed ${missing[*]}"
