#!/usr/bin/env bash
# Summarises the seeds of one recipe scored with scripts/quality-test.sh: each run's test scores, then their mean and
# sample standard deviation (n − 1) and the worst seed, as docs/quality.md and the README report them.
#
#   scripts/quality-seeds.sh NAME...        e.g. scripts/quality-seeds.sh q-preset-s1 q-preset-s2 q-preset-s3
#
# Reads results/quality/NAME/test.json (cased sacreBLEU 13a, chrF2) and test-intl.json (the papers' metric).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "$#" -eq 0 ]; then echo "usage: scripts/quality-seeds.sh NAME..." >&2; exit 2; fi

# The "score" that follows the "$2" key in JSON file $1 (the first "score" in the file when $2 is empty).
score() {
  awk -v key="\"$2\"" '
    key == "\"\"" || index($0, key ":") { armed = 1 }
    armed && /"score":/ { gsub(/[^0-9.eE+-]/, "", $2); print $2; exit }
  ' FS=': ' "$1"
}

rows=""
for name in "$@"; do
  dir="$root/results/quality/$name"
  for file in test.json test-intl.json; do
    if [ ! -f "$dir/$file" ]; then echo "$dir/$file: missing (run scripts/quality-test.sh $name first)" >&2; exit 1; fi
  done
  bleu="$(score "$dir/test.json" bleu)" chrf="$(score "$dir/test.json" chrf)" intl="$(score "$dir/test-intl.json" "")"
  for value in "$bleu" "$chrf" "$intl"; do
    if [ -z "$value" ]; then echo "$dir: a score is missing from test.json or test-intl.json" >&2; exit 1; fi
  done
  rows+="$name $bleu $chrf $intl"$'\n'
done

printf '%s' "$rows" | awk '
  { name[NR] = $1; for (c = 2; c <= 4; c++) { v[NR, c] = $c; sum[c] += $c; if (NR == 1 || $c < low[c]) low[c] = $c } }
  END {
    printf "%-24s %12s %8s %15s\n", "run", "BLEU (cased)", "chrF2", "papers metric"
    for (r = 1; r <= NR; r++) printf "%-24s %12.2f %8.2f %15.2f\n", name[r], v[r, 2], v[r, 3], v[r, 4]
    for (c = 2; c <= 4; c++) {
      mean[c] = sum[c] / NR; ss = 0
      for (r = 1; r <= NR; r++) ss += (v[r, c] - mean[c]) ^ 2
      sd[c] = NR > 1 ? sqrt(ss / (NR - 1)) : 0
    }
    printf "%-24s %12.2f %8.2f %15.2f\n", "mean (n = " NR ")", mean[2], mean[3], mean[4]
    if (NR > 1) printf "%-24s %12.2f %8.2f %15.2f\n", "sd (n - 1)", sd[2], sd[3], sd[4]
    printf "%-24s %12.2f %8.2f %15.2f\n", "worst seed", low[2], low[3], low[4]
  }'
