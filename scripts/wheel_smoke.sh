#!/usr/bin/env bash
# Builds the release wheel, installs it in a clean venv with no Rust toolchain on PATH, and runs
# the import, the CLI and a smoke test from it.
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp -d)
python3 -m maturin build --release --quiet -o "$out/dist"
python3 -m venv "$out/venv"
clean_path="$out/venv/bin:/usr/local/bin:/usr/bin:/bin"
# No cargo or rustc may be reachable: the wheel must not need them.
if env PATH="$clean_path" sh -c 'command -v cargo' >/dev/null 2>&1; then
  echo "warning: cargo is on the clean PATH; the check still installs a binary wheel only"
fi
env PATH="$clean_path" "$out/venv/bin/pip" install --quiet --only-binary=:all: "$out"/dist/*.whl
env PATH="$clean_path" "$out/venv/bin/python" -c "
import flo_rfm
res = flo_rfm.run(flo_rfm.datasets.sample(2000))
assert res.segment_summary[('recency', 'count')].sum() == 2000
print('wheel ok:', flo_rfm.__version__, res)
"
env PATH="$clean_path" "$out/venv/bin/flo-rfm" run --out "$out/results" >/dev/null
test -s "$out/results/new_brand_target_customer_id.csv"
echo "wheel CLI ok"
rm -rf "$out"
