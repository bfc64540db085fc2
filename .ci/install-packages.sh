#!/usr/bin/env bash
# Debian packages the tests start or drive on 127.0.0.1: Virtuoso (the remote-store tests)
# and Chromium with its driver (the web page tests). Idempotent and quiet; where a package
# cannot be installed it says so in one line and carries on, and the tests that need it skip
# with that reason.
set -uo pipefail
PACKAGES=(virtuoso-opensource-7 chromium chromium-driver)

missing=()
for package in "${PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
if ! command -v apt-get >/dev/null 2>&1 || { [ "$(id -u)" != 0 ] && [ -z "$SUDO" ]; }; then
    echo "install-packages: cannot install ${missing[*]} (no apt-get or no root); their tests will be skipped"
    exit 0
fi
$SUDO apt-get update -qq >/dev/null 2>&1
for package in "${missing[@]}"; do
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$package" >/dev/null 2>&1 \
        || echo "install-packages: apt-get could not install $package; its tests will be skipped"
done
exit 0
