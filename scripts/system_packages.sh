#!/usr/bin/env bash
# Debian packages the ingestion parsers and the browser tests call as programs:
#   tesseract-ocr (+ por, eng)   OCR of scanned PDF pages and images (OCR_LANGUAGES, default "por+eng")
#   libreoffice-*-nogui          converts legacy .doc/.ppt (soffice --headless --convert-to)
#   chromium                     headless browser for the browser tests
#   libldap2-dev, libsasl2-dev   headers python-ldap (django-auth-ldap, LDAP logins) compiles against
#   slapd, ldap-utils            the OpenLDAP server the LDAP login tests start with a small directory
# Idempotent: installs only what is missing, runs `apt-get update` only then, and prints what it installs.
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

echo "system packages: installing ${missing[*]}"
$SUDO apt-get update -qq
# Recommends would pull in desktop fonts and GUI helpers that headless conversion and OCR do not use.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "system packages: installed ${missing[*]}"
