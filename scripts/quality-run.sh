#!/usr/bin/env bash
# One run of the Multi30k recipe search (docs/quality.md): records the host's speed right before it, trains
# without looking at test, and prints the run's validation figures.
#
#   scripts/quality-run.sh NAME PRESET MINUTES SEED [train flags...]
#   e.g. scripts/quality-run.sh q-drop03 multi30k-de-en 20 1 --dropout 0.3
#
# Writes runs/quality/NAME (the run) and results/quality/NAME/ (gemm.json: SGEMM 1024³ on this host;
# bench-train.json: the ref-small step, the fixed yardstick of host speed; train.log; summary.txt: the
# validation BLEU of each epoch and of the final model). test2016 is never scored here: `evaluate` does that,
# once, after the recipe is chosen.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cli="$root/sharpformer"
name="$1" preset="$2" minutes="$3" seed="$4"; shift 4
run="$root/runs/quality/$name" out="$root/results/quality/$name"
mkdir -p "$out" "$(dirname "$run")"
if [ -f "$run/model.safetensors" ]; then echo "$run is trained already" >&2; exit 0; fi
"$cli" --help > /dev/null
echo "$(date -u '+%F %T UTC') commit $(git -C "$root" rev-parse --short HEAD) load $(cut -d' ' -f1-3 /proc/loadavg)" > "$out/host.txt"
echo "$preset --max-minutes $minutes --seed $seed $*" > "$out/command.txt"
"$cli" bench gemm --square-only --json > "$out/gemm.json"
"$cli" bench train --preset ref-small --json > "$out/bench-train.json"
if [ -f "$run/run.json" ]; then
  "$cli" train --out "$run" --resume --no-test >> "$out/train.log" 2>&1
else
  "$cli" train --preset "$preset" --out "$run" --max-minutes "$minutes" --seed "$seed" --no-test "$@" > "$out/train.log" 2>&1
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/host.txt"
# per validation: epoch, minutes, valid loss, valid BLEU (greedy); then the final model's
grep '"valid_bleu"\|"bleu"' "$run/metrics.jsonl" | grep -v final_model > "$out/validations.jsonl" || true
grep final_model "$run/metrics.jsonl" > "$out/final.jsonl" || true
cat "$out/final.jsonl"
