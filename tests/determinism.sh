#!/bin/sh
# Determinism of the bundled scenarios: every bench/scenarios/*.ini (found
# by listing the directory, so a new scenario is covered without touching
# this file) is run twice, once with -j 1 and once with -j 2, and the two
# bench directories must be byte-identical: matrix.json, summary.json,
# summary.tsv and every run's results file (only timing.tsv, wall time,
# differs by design).
#
# The full scenarios take far too long for `make check` (fit.ini and
# xenopsd-vs-libxl.ini alone are over 20 minutes on one core), so each is
# run reduced, as `bench run --max-vms N --max-seeds K` documents: every
# configuration of every scenario, each trace cut to its first N VMs, the
# first K seeds. The reduction is recorded in the files compared. Defaults
# N=50, K=1; XP_DETERMINISM_MAX_VMS=0 XP_DETERMINISM_MAX_SEEDS=0 runs the
# scenarios whole (tens of minutes).
#
# Run by `make check` (XP_SRCDIR and XP_BUILDDIR are set there), or by hand:
#   tests/determinism.sh
set -eu
src=${XP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=${XP_BUILDDIR:-$src}
xenplace=$build/xenplace
max_vms=${XP_DETERMINISM_MAX_VMS:-50}
max_seeds=${XP_DETERMINISM_MAX_SEEDS:-1}
if [ ! -x "$xenplace" ]; then
  echo "determinism: $xenplace not built" >&2
  exit 99
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

reduce=""
[ "$max_vms" != 0 ] && reduce="$reduce --max-vms $max_vms"
[ "$max_seeds" != 0 ] && reduce="$reduce --max-seeds $max_seeds"
status=0
count=0
for scenario in "$src"/bench/scenarios/*.ini; do
  [ -f "$scenario" ] || continue
  name=$(basename "$scenario" .ini)
  count=$((count + 1))
  ok=yes
  for j in 1 2; do
    # shellcheck disable=SC2086
    if ! "$xenplace" bench run "$scenario" -o "$tmp/$name-j$j" -j $j -q $reduce; then
      echo "FAIL $name: bench run -j $j failed" >&2
      ok=no
    fi
  done
  [ $ok = yes ] || { status=1; continue; }
  (cd "$tmp/$name-j1" && find . -type f ! -name timing.tsv | LC_ALL=C sort) > "$tmp/$name.files-j1"
  (cd "$tmp/$name-j2" && find . -type f ! -name timing.tsv | LC_ALL=C sort) > "$tmp/$name.files-j2"
  if ! cmp -s "$tmp/$name.files-j1" "$tmp/$name.files-j2"; then
    echo "FAIL $name: -j 1 and -j 2 wrote different sets of files:" >&2
    diff "$tmp/$name.files-j1" "$tmp/$name.files-j2" >&2 || true
    status=1
    continue
  fi
  files=0
  while read -r f; do
    files=$((files + 1))
    if ! cmp -s "$tmp/$name-j1/$f" "$tmp/$name-j2/$f"; then
      echo "FAIL $name: $f differs between -j 1 and -j 2:" >&2
      diff "$tmp/$name-j1/$f" "$tmp/$name-j2/$f" | head -n 20 >&2 || true
      ok=no
    fi
  done < "$tmp/$name.files-j1"
  # every configuration of the matrix has runs, and every run its results file
  matrix="$tmp/$name-j1/matrix.json"
  configs=$(grep -c '"id" : ' "$matrix" || true)
  covered=$(grep -o '"configuration" : "[^"]*"' "$matrix" | LC_ALL=C sort -u | wc -l)
  planned=$(grep -c '"configuration" : ' "$matrix" || true)
  runs=$(find "$tmp/$name-j1/runs" -name '*.json' | wc -l)
  if [ "$configs" -lt 1 ] || [ "$covered" -ne "$configs" ] || [ "$runs" -ne "$planned" ]; then
    echo "FAIL $name: $configs configurations, $covered with runs; $planned runs, $runs results files" >&2
    ok=no
  fi
  if [ $ok = yes ]; then
    echo "ok $name: $configs configurations, $runs runs, $files files identical with -j 1 and -j 2"
  else
    status=1
  fi
done
if [ $count = 0 ]; then
  echo "FAIL: no scenario in $src/bench/scenarios" >&2
  exit 1
fi
exit $status
