#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need
# (system packages and Python packages), then runs the tests, the rules
# evaluation with its floors, and the reliability counts.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export PYTHONDONTWRITEBYTECODE=1
.venv/bin/python scripts/eval_rules.py --check
.venv/bin/python -m pytest -q "$@"
