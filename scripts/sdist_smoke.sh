#!/usr/bin/env bash
# Builds the sdist, checks what it holds, installs it in a clean venv — pip builds it there with
# the local Rust toolchain, as on a machine no wheel fits — and runs scripts/smoke_test.py.
#
# Usage: bash scripts/sdist_smoke.sh
#   FLO_SMOKE_PYTHONS="python3 ..."  the interpreters to install it with (default: python3)
#   FLO_SDIST_OUT=DIR  keep the sdist in DIR (default: a temporary folder, removed)
# Needs cargo and rustc (stable, >= Cargo.toml's rust-version) on PATH. It is a cold release
# build of the whole dependency tree (several minutes on two cores), so .ci/run leaves it out.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

tools="$root/target/packaging-tools"   # shared with wheel_smoke.sh
[ -x "$tools/bin/pip" ] || python3 -m venv "$tools"
"$tools/bin/pip" install --quiet "maturin>=1.9.4,<2"
"$tools/bin/maturin" sdist -o "$out/dist" 2>"$out/sdist.log" || { cat "$out/sdist.log"; exit 1; }
sdists=("$out"/dist/flo_rfm-*.tar.gz)
[ "${#sdists[@]}" -eq 1 ] || { echo "expected one sdist, got: ${sdists[*]}"; exit 1; }
sdist=${sdists[0]}
echo "sdist: $(basename "$sdist"), $(du -k "$sdist" | cut -f1) kB, $(tar tzf "$sdist" | wc -l) files"

# What it must hold: every tracked file of the build, and nothing of the repository's checks.
tar tzf "$sdist" | sed 's|^[^/]*/||' | sort >"$out/listing"
{
  printf '%s\n' Cargo.toml Cargo.lock pyproject.toml README.md LICENSE PKG-INFO bench/fits.rs \
    scripts/smoke_test.py
  git ls-files src python
} | sort -u >"$out/wanted"
missing=$(comm -23 "$out/wanted" "$out/listing")
[ -z "$missing" ] || { echo "sdist lacks:"; echo "$missing"; exit 1; }
extra=$(grep -E '^(tests|notebooks|docs|bench/.*\.(py|md)|fuzz|\.ci)/?' "$out/listing" || true)
[ -z "$extra" ] || { echo "sdist holds files it should not:"; echo "$extra"; exit 1; }
echo "sdist contents ok"

i=0
for py in ${FLO_SMOKE_PYTHONS:-python3}; do
  i=$((i + 1))
  venv="$out/venv$i"
  "$py" -m venv "$venv"
  start=$SECONDS
  # --no-binary flo_rfm: built from this sdist even where a wheel could be found.
  "$venv/bin/pip" install --quiet --no-binary flo_rfm "$sdist"
  echo "sdist built and installed on $("$venv/bin/python" -V) in $((SECONDS - start)) s"
  (cd "$out" && "$venv/bin/python" "$root/scripts/smoke_test.py")
done

if [ -n "${FLO_SDIST_OUT:-}" ]; then
  mkdir -p "$FLO_SDIST_OUT" && cp "$sdist" "$FLO_SDIST_OUT"/
fi
