#!/usr/bin/env bash
# Scores a finished run of the Multi30k recipe search (scripts/quality-run.sh) on its recipe's test set, once:
# only after the recipe was chosen on validation (docs/quality.md). A second call prints the scores kept from the
# first instead of decoding again.
#
#   scripts/quality-test.sh NAME
#
# Writes results/quality/NAME/test.json (cased sacreBLEU 13a and chrF2 with the recipe's test decoding),
# test.hyp (the translations) and test-intl.json (the papers' metric on the same translations: lower-cased
# BLEU with sacreBLEU's intl tokenizer).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cli="$root/sharpformer"
name="$1"
run="$root/runs/quality/$name" out="$root/results/quality/$name"
if [ ! -f "$run/model.safetensors" ]; then echo "$run: no final model (is the run finished?)" >&2; exit 1; fi
if [ -f "$out/test.json" ] && [ -f "$out/test-intl.json" ]; then
  echo "$name was scored on test already:" >&2
  cat "$out/test.json" "$out/test-intl.json"
  exit 0
fi
reference="$(sed -n 's/^  "test_target": "\(.*\)",$/\1/p' "$run/run.json")"
if [ ! -f "$reference" ]; then echo "$run/run.json: test_target '$reference' is not a file" >&2; exit 1; fi
mkdir -p "$out"
"$cli" evaluate --model "$run" --output "$out/test.hyp" --json > "$out/test.json.partial"
"$cli" bleu --input "$out/test.hyp" --reference "$reference" --tokenize intl --lowercase --json > "$out/test-intl.json"
mv "$out/test.json.partial" "$out/test.json"
cat "$out/test.json" "$out/test-intl.json"
