#!/usr/bin/env bash
# Installs everything the checks need, then runs every check: what CI runs and what the README
# tells people to run. Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --upgrade "maturin>=1.9.4,<2"
# Builds the Rust extension (release profile) and installs the package with its test tools.
python3 -m pip install --quiet -e ".[test]"
rustup component add clippy rustfmt >/dev/null 2>&1 || true
# The HTML report's browser test (tests/test_report.py) needs headless Chromium, a Debian package.
if ! command -v chromium >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium
fi

echo "== cargo fmt / clippy / test"
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo clippy --all-targets --features python -- -D warnings
cargo test

echo "== ruff, stubs, types"
python3 -m ruff check python tests notebooks docs examples scripts
python3 -m ruff format --check python tests notebooks docs examples scripts
python3 -m mypy.stubtest flo_rfm._flo_rfm
python3 -m mypy --strict examples/typed_usage.py

echo "== pytest (tests, doctests, notebooks)"
python3 -m pytest
