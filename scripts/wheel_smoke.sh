#!/usr/bin/env bash
# Builds the release wheel as it ships for Linux x86_64: abi3 (CPython 3.9+), manylinux2014
# (glibc 2.17), linked by zig (the ziglang package) so no manylinux container is needed. Then
# `auditwheel show` must find it manylinux2014/manylinux_2_17 or older, and in a clean venv per
# Python (no Rust on PATH, binary packages only) scripts/smoke_test.py must pass.
#
# Usage: bash scripts/wheel_smoke.sh
#   FLO_SMOKE_PYTHONS="python3 /path/to/python3.9"  the interpreters to test the wheel with
#       (default: python3, and Python 3.9 — the oldest the wheel claims — where pyenv has it)
#   FLO_WHEEL_OUT=DIR  keep the wheel in DIR (default: a temporary folder, removed)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# The build tools in a venv of their own under target/ (kept: zig is 20,000 files, slow to
# install and to delete): maturin, zig and auditwheel. Nothing global changes.
tools="$root/target/packaging-tools"
[ -x "$tools/bin/pip" ] || python3 -m venv "$tools"
"$tools/bin/pip" install --quiet "maturin>=1.9.4,<2" "ziglang>=0.13" "auditwheel>=6"

start=$SECONDS
# maturin finds zig as `python3 -m ziglang`, so the tools venv goes first on PATH.
env PATH="$tools/bin:$PATH" maturin build --release --zig --compatibility manylinux2014 \
  -i python3 --quiet -o "$out/dist"
echo "wheel built in $((SECONDS - start)) s"
wheels=("$out"/dist/*.whl)
[ "${#wheels[@]}" -eq 1 ] || { echo "expected one wheel, got: ${wheels[*]}"; exit 1; }
wheel=${wheels[0]}
echo "wheel: $(basename "$wheel")"

# auditwheel: the policy the wheel is consistent with must be glibc 2.17 or older.
"$tools/bin/auditwheel" show "$wheel" | tee "$out/auditwheel.txt"
"$tools/bin/python" - "$out/auditwheel.txt" <<'EOF'
import re, sys
text = " ".join(open(sys.argv[1]).read().split())
m = re.search(r'consistent with the following platform tag: "([^"]+)"', text)
if not m:
    sys.exit("auditwheel show: no platform tag found")
tag = m.group(1)
legacy = {"manylinux1": 5, "manylinux2010": 12, "manylinux2014": 17}
m2 = re.match(r"manylinux_2_(\d+)_x86_64$", tag) or re.match(r"(manylinux\d+)_x86_64$", tag)
if not m2:
    sys.exit(f"auditwheel show: {tag} is not a manylinux x86_64 tag")
glibc = legacy.get(m2.group(1)) or int(m2.group(1))
if glibc > 17:
    sys.exit(f"auditwheel show: {tag} needs glibc 2.{glibc}, newer than manylinux2014's 2.17")
print(f"auditwheel ok: {tag} (runs on glibc 2.{glibc} and newer)")
EOF

pythons=${FLO_SMOKE_PYTHONS:-}
if [ -z "$pythons" ]; then
  pythons=python3
  for py in python3.9 "$(pyenv root 2>/dev/null || echo /nonexistent)"/versions/3.9*/bin/python3.9; do
    if "$py" -c "" >/dev/null 2>&1; then pythons="$pythons $py"; break; fi
  done
fi

i=0
for py in $pythons; do
  i=$((i + 1))
  venv="$out/venv$i"
  "$py" -m venv "$venv"
  # No cargo or rustc may be reachable: the wheel must not need them.
  clean_path="$venv/bin:/usr/local/bin:/usr/bin:/bin"
  if env PATH="$clean_path" sh -c 'command -v cargo' >/dev/null 2>&1; then
    echo "warning: cargo is on the clean PATH; the check still installs binary packages only"
  fi
  start=$SECONDS
  env PATH="$clean_path" "$venv/bin/pip" install --quiet --only-binary=:all: "$wheel"
  # From a folder outside the source tree, so `import flo_rfm` can only find the installed copy.
  (cd "$out" && env PATH="$clean_path" "$venv/bin/python" "$root/scripts/smoke_test.py")
  echo "wheel on $("$venv/bin/python" -V): installed and smoke-tested in $((SECONDS - start)) s"
done

if [ -n "${FLO_WHEEL_OUT:-}" ]; then
  mkdir -p "$FLO_WHEEL_OUT" && cp "$wheel" "$FLO_WHEEL_OUT"/
fi
