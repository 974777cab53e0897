#!/usr/bin/env bash
# Builds Sharpformer, trains a small German→English model on the bundled Multi30k data for a few
# minutes (with progress), translates a few sentences and scores the test set with sacreBLEU-exact BLEU.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if ! command -v dotnet >/dev/null 2>&1; then
  echo "quickstart: the .NET 10 SDK is needed (https://dot.net); 'dotnet' is not on PATH" >&2
  exit 1
fi
out="runs/quickstart-$(date +%Y%m%d-%H%M%S)"
./sharpformer train --preset multi30k-de-en-quick --out "$out"
echo
echo "Translating a few new sentences with beam search:"
printf '%s\n' \
  "Ein Mann fährt mit dem Fahrrad durch die Stadt." \
  "Zwei kleine Hunde spielen im Schnee." \
  "Eine Frau in einem roten Kleid liest ein Buch." > "$out/samples.de"
./sharpformer translate --model "$out" --beam 4 --input "$out/samples.de" > "$out/samples.en"
paste -d '|' "$out/samples.de" "$out/samples.en" | sed 's/|/\n    → /'
echo
echo "Scoring the Multi30k test2016 set (greedy decoding):"
./sharpformer evaluate --model "$out" --src data/multi30k/test2016.de --ref data/multi30k/test2016.en
echo
echo "The model is in $out. The full recipe (about an hour on 2 cores):"
echo "  ./sharpformer train --preset multi30k-de-en --out runs/de-en"
