#!/usr/bin/env bash
# The support matrix: the differential tests (pandas, the qcut properties, lifetimes, the real
# file, the doctests) on each cell below, each in its own venv, against the extension in
# python/flo_rfm (built here when missing or older than the sources). The venvs are kept under $COMPAT_DIR
# (/tmp/flo-compat) and remade when a cell's pins change. The property tests run a tenth of their
# examples ($FLO_EXAMPLES, 0.1 unless set); scripts/test.sh runs them all on the newest cell.
# Usage: bash scripts/compat.sh [cell ...]   (no argument: every cell)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dir=${COMPAT_DIR:-/tmp/flo-compat}
export FLO_EXAMPLES=${FLO_EXAMPLES:-0.1}

# name | Python | pins. The oldest pyarrow and Polars the extras allow need numpy 1.x (pyarrow 14
# was built against it); pyarrow 26 needs numpy 2, so the numpy 1.26 cells take 21. lifetimes
# imports pkg_resources, which a Python 3.13 venv lacks: setuptools < 81 brings it.
cells=(
  "pd22-np126-py39|3.9|pandas==2.2.3 numpy==1.26.4 pyarrow==21.0.0 polars==1.31.0"
  "oldest-extras|3.11|pandas==2.2.3 numpy==1.26.4 pyarrow==14.0.1 polars==1.20.0 dask[dataframe]==2024.12.0 distributed==2024.12.0"
  "pd23-np2|3.11|pandas==2.3.3 numpy==2.4.6 pyarrow==26.0.1 polars==2.1.0 dask[dataframe]==2026.8.0 distributed==2026.8.0"
  "pd3-newest|3.13|pandas==3.1.1 numpy==2.4.6 pyarrow==26.0.1 polars==2.1.0 dask[dataframe]==2026.8.0 distributed==2026.8.0 setuptools<81"
)
test_deps="pytest>=7 hypothesis>=6 lifetimes==0.11.3 zstandard>=0.22 matplotlib>=3.5"
# The differential tests: numerics, scores, segments, files, CLTV (lifetimes), the real file,
# the inputs (pandas, Arrow, Polars, Parquet, Dask) and the doctests.
tests=(
  tests/test_properties.py tests/test_rfm.py tests/test_prepare.py tests/test_writer.py
  tests/test_cltv.py tests/test_models.py tests/test_special.py tests/test_transactions.py
  tests/test_customer_table.py tests/test_segmentation.py tests/test_rules.py tests/test_missing.py
  tests/test_inputs.py tests/test_frames.py tests/test_arrow.py tests/test_parquet_input.py
  tests/test_bad_input.py tests/test_validation.py tests/test_migration.py tests/test_dask.py
  tests/test_compare.py
  python/flo_rfm
)
# tests/test_lifetimes_api.py is not here: it fits lifetimes' Quickstart with a tight tol, where
# lifetimes' own BFGS can stop with "precision loss" depending on numpy and the CPU; the
# version rules it relies on are the ones test_cltv.py and test_models.py check against lifetimes.
# The slowest tests, whose subject does not change with the versions (a killed Dask worker, a
# million rows written, Pareto/NBD's long fit on the real file), run in scripts/test.sh only.
slow=(
  --deselect tests/test_dask.py::test_worker_killed_mid_run_same_answer
  --deselect tests/test_writer.py::test_a_million_customers_files_equal_pandas
  --deselect tests/test_models.py::test_real_file_pareto_nbd
)

so=$(ls python/flo_rfm/_flo_rfm*.so 2>/dev/null | head -1 || true)
if [ -z "$so" ] || [ -n "$(find src Cargo.toml Cargo.lock -newer "$so" -print -quit)" ]; then
  echo "== building the extension (none, or older than the sources)"
  CARGO_PROFILE_RELEASE_LTO=off cargo build --quiet --release --features python --lib
  cp target/release/libflo_rfm.so python/flo_rfm/_flo_rfm.abi3.so
fi

python_for() {  # this machine's interpreter for a version: python3.X if it runs, else pyenv's
  local exe root
  root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
  # A pyenv shim exists for every version but fails unless that version is selected: try each.
  for exe in "$(command -v "python$1" || true)" "$(ls -d "$root/versions/$1".*/bin/python"$1" 2>/dev/null | tail -1)"; do
    if [ -n "$exe" ] && "$exe" -c "" >/dev/null 2>&1; then echo "$exe"; return 0; fi
  done
  echo "no Python $1 on this machine (python$1 or pyenv's $root/versions/$1.*)" >&2
  return 1
}

declare -A summary
status=0
for cell in "${cells[@]}"; do
  IFS='|' read -r name pyver pins <<<"$cell"
  if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  venv="$dir/$name"
  want="$pyver|$pins|$test_deps"
  if [ "$(cat "$venv/.pins" 2>/dev/null)" != "$want" ]; then
    echo "== $name: making the venv (Python $pyver: $pins)"
    rm -rf "$venv"
    "$(python_for "$pyver")" -m venv "$venv"
    # shellcheck disable=SC2086
    "$venv/bin/pip" install --quiet --disable-pip-version-check $pins $test_deps
    echo "$want" >"$venv/.pins"
  fi
  echo "== $name: $("$venv/bin/python" -c 'import sys, numpy, pandas, pyarrow, polars
print(f"Python {sys.version.split()[0]}, pandas {pandas.__version__}, numpy {numpy.__version__}, "
      f"pyarrow {pyarrow.__version__}, polars {polars.__version__}")')"
  log="$dir/$name.log"
  cell_tests=("${tests[@]}")
  skip=()  # no Dask on Python 3.9 (the extra needs dask >= 2024.12, which needs 3.10)
  if ! "$venv/bin/python" -c "import dask.dataframe" 2>/dev/null; then
    cell_tests=("${tests[@]/tests\/test_dask.py/}")
    skip=(--ignore=python/flo_rfm/dask)
  fi
  set +e
  # shellcheck disable=SC2068  # the emptied test_dask.py slot must vanish, not become ""
  PYTHONPATH="$root/python" "$venv/bin/python" -m pytest -q -p no:cacheprovider --durations=5 "${slow[@]}" "${skip[@]}" ${cell_tests[@]} \
    >"$log" 2>&1
  rc=$?
  PYTHONPATH="$root/python" "$venv/bin/python" scripts/qcut_check.py 4000 >>"$log" 2>&1
  rc_q=$?
  set -e
  counts=$(grep -E "^(=+ )?[0-9]+ (passed|failed)|error" "$log" | tail -1 | sed 's/=//g; s/^ *//; s/ in [0-9.]*s.*//' || true)
  summary[$name]="$counts; $(tail -1 "$log")"
  echo "   $counts"
  tail -1 "$log" | sed 's/^/   /'
  if [ $rc -ne 0 ] || [ $rc_q -ne 0 ]; then
    status=1
    echo "   FAILED (log: $log)"
    grep -E "^(FAILED|ERROR)" "$log" | head -20 | sed 's/^/   /'
  fi
done
echo "== compat summary (FLO_EXAMPLES=$FLO_EXAMPLES)"
for name in "${!summary[@]}"; do echo "$name: ${summary[$name]}"; done | sort
exit $status
