#!/usr/bin/env bash
# Set up debrief on Debian/Ubuntu: system audio packages, a virtualenv in
# .venv with debrief installed, and (when the network allows) the English
# Vosk model. Usage: scripts/setup.sh [--test]   (--test adds test tools)
set -euo pipefail
cd "$(dirname "$0")/.."

RUNTIME_PACKAGES="python3-venv libportaudio2 libsndfile1 espeak-ng"
TEST_PACKAGES="flite sox pulseaudio pulseaudio-utils alsa-utils libasound2-plugins pocketsphinx-testdata"
extras=""
packages="$RUNTIME_PACKAGES"
if [ "${1:-}" = "--test" ]; then
    extras="[test]"
    packages="$RUNTIME_PACKAGES $TEST_PACKAGES"
fi

if command -v apt-get >/dev/null 2>&1; then
    missing=""
    for p in $packages; do
        dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        SUDO=""
        [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        echo "Installing system packages:$missing" >&2
        $SUDO apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
    fi
else
    echo "No apt-get here: install PortAudio, libsndfile and espeak-ng with your package manager." >&2
fi

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >&2
.venv/bin/python -m pip install -q -e ".$extras" >&2

# debrief's language model for the pocketsphinx engine, into models/ (offline,
# about half a minute and 1 GB of memory, only when missing or out of date).
.venv/bin/debrief build-lm --to models --if-stale >/dev/null

# The English Vosk model (40 MB), when the network allows; pocketsphinx works without it.
if [ -z "${CI:-}" ] && [ "${DEBRIEF_SKIP_MODEL:-}" != "1" ]; then
    .venv/bin/debrief download-model >&2 || echo "Could not download the Vosk model now; debrief uses its built-in pocketsphinx engine until you run: .venv/bin/debrief download-model" >&2
fi
echo "debrief is set up: .venv/bin/debrief --help" >&2
