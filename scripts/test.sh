#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need
# (system packages and Python packages), then checks the package with ruff
# (lint and format) and mypy, runs the rules evaluation with its floors, and
# runs the tests (with the reliability counts at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export PYTHONDONTWRITEBYTECODE=1
.venv/bin/ruff check assistant
.venv/bin/ruff format --check assistant
.venv/bin/mypy
.venv/bin/python scripts/eval_rules.py --check
.venv/bin/python -m pytest -q "$@"
