#!/usr/bin/env bash
# Runs the cargo-fuzz targets (fuzz/) for SECONDS each (default 30). Installs cargo-fuzz if
# missing. The stable toolchain is told to accept the sanitizer flags (RUSTC_BOOTSTRAP=1).
# Usage: bash scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --quiet
export RUSTC_BOOTSTRAP=1
# A known false leak report from glibc's thread-local destructors (see fuzz/lsan.supp).
export LSAN_OPTIONS="suppressions=$PWD/fuzz/lsan.supp"
for target in reader orders segment_map; do
  mkdir -p "fuzz/corpus/$target"
  echo "== fuzz $target for ${seconds}s"
  cargo fuzz run "$target" "fuzz/corpus/$target" -- -max_total_time="$seconds" -rss_limit_mb=4096 2>&1 \
    | grep -E "^(#[0-9]+ *DONE|Done|==|SUMMARY|ERROR|thread)" || true
  # libFuzzer exits non-zero on a crash; the pipe above hides that, so check for artifacts.
  if compgen -G "fuzz/artifacts/$target/*" >/dev/null; then
    echo "fuzz $target found a crash:"; ls "fuzz/artifacts/$target"; exit 1
  fi
done
