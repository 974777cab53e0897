#!/usr/bin/env bash
# The Transformer against the RNN encoder-decoders on Multi30k de->en (docs/benchmarks.md, "Transformer vs RNN").
#
# For each architecture (transformer, rnn, rnn-attn-dot, rnn-attn-additive), on the same data, tokenizer recipe and
# wall-clock budget: the host's `bench gemm` 1024^3 and the recipe's `bench train` step, measured right before its run;
# the training run; test2016 BLEU and chrF. Then every analysis over the runs that exist: validation BLEU against
# wall-clock time, BLEU by source length, the source positions the decoder depends on, memory against sequence length,
# and the tanh claim on a vanilla-RNN run. Tables (.txt), JSON, CSV and PNGs go to $OUT, a summary to $OUT/summary.md.
#
# A finished run (its folder holds model.safetensors) is not trained again, so the runs can be made in several sessions,
# one architecture at a time, and the analyses redone afterwards:
#   ARCHS=transformer scripts/compare-architectures.sh            # one 60-minute run (plus its measurements)
#   ANALYSES_ONLY=1 scripts/compare-architectures.sh              # only the analyses, over the runs that exist
# A dry run of the whole chain with a small budget (its figures mean nothing):
#   MINUTES=1.5 TANH_MINUTES=1 MEMORY_LENGTHS=16,32,64 SENTENCES=200 RUNS=/tmp/cmp-runs OUT=/tmp/cmp-out scripts/compare-architectures.sh
#
# Settings (environment):
#   MINUTES              training budget per architecture, minutes (default 60)
#   TANH_MINUTES         budget of the extra vanilla-RNN run (multi30k-de-en-rnn --cell rnn) for the tanh claim (default 60; 0 = none)
#   ARCHS                architectures to train now, space-separated (default: all four)
#   ANALYSES_ONLY        1: train nothing, measure nothing before runs; only the analyses
#   RUNS                 folder of the run folders (default runs/compare)
#   OUT                  folder of the results (default results/compare)
#   MEMORY_LENGTHS       sequence lengths of bench memory (default 16,32,64,128,256)
#   MEMORY_BATCH_TOKENS  token budget per batch of bench memory (default 2048)
#   SENTENCES            validation pairs used by the positions and tanh analyses (default 0 = all)
#   THREADS              threads for training and benchmarks (default: all cores)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cli="$root/sharpformer"
data="$root/data/multi30k"
MINUTES="${MINUTES:-60}"
TANH_MINUTES="${TANH_MINUTES:-60}"
ARCHS="${ARCHS:-transformer rnn rnn-attn-dot rnn-attn-additive}"
ANALYSES_ONLY="${ANALYSES_ONLY:-0}"
RUNS="${RUNS:-$root/runs/compare}"
OUT="${OUT:-$root/results/compare}"
MEMORY_LENGTHS="${MEMORY_LENGTHS:-16,32,64,128,256}"
MEMORY_BATCH_TOKENS="${MEMORY_BATCH_TOKENS:-2048}"
SENTENCES="${SENTENCES:-0}"
THREADS="${THREADS:-$(nproc)}"
ALL_ARCHS="transformer rnn rnn-attn-dot rnn-attn-additive"

preset_of() {
  case "$1" in
    transformer) echo multi30k-de-en-v1 ;;   # the fixed baseline recipe, whatever the main preset becomes
    rnn|rnn-attn-dot|rnn-attn-additive) echo "multi30k-de-en-$1" ;;
    *) echo "unknown architecture '$1' (known: $ALL_ARCHS)" >&2; exit 2 ;;
  esac
}

log() { echo "$(date '+%F %T') $*" | tee -a "$OUT/compare.log" >&2; }

# `step NAME FILE command...`: runs the command, its stdout into FILE, and logs how long it took.
step() {
  local name="$1" file="$2"; shift 2
  log "$name: $*"
  local start=$SECONDS
  "$@" > "$file"
  log "$name: done in $((SECONDS - start)) s -> $file"
}

mkdir -p "$OUT" "$RUNS"
for arch in $ARCHS; do preset_of "$arch" > /dev/null; done
{
  echo "date: $(date -u '+%F %T UTC')"
  echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet 2>/dev/null || echo ' (with local changes)')"
  echo "host: $(uname -nrm)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //') ($(nproc) logical cores)"
  echo "dotnet: $(dotnet --version)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
  echo "MINUTES=$MINUTES TANH_MINUTES=$TANH_MINUTES ARCHS='$ARCHS' THREADS=$THREADS MEMORY_LENGTHS=$MEMORY_LENGTHS MEMORY_BATCH_TOKENS=$MEMORY_BATCH_TOKENS SENTENCES=$SENTENCES"
} >> "$OUT/host.txt"
"$cli" --help > /dev/null   # builds the tool once, before anything is timed

train_one() {
  local arch="$1" preset="$2" run="$3" minutes="$4"; shift 4
  local dir="$OUT/$arch"
  mkdir -p "$dir"
  if [ -f "$run/model.safetensors" ]; then
    log "$arch: $run is trained already (model.safetensors); not training again"
    return
  fi
  # the host's speed right before the run, so runs made on different hosts can be compared
  step "$arch gemm" "$dir/gemm.json" "$cli" bench gemm --square-only --json
  step "$arch train step" "$dir/bench-train.json" "$cli" bench train --preset "$preset" "$@" --threads "$THREADS" --json
  echo "load average before training: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)" > "$dir/load.txt"
  if [ -f "$run/run.json" ]; then
    # an interrupted run continues from its last checkpoint; the budget counts the time it already had
    step "$arch training, resumed" "$dir/train-resumed.log" "$cli" train --out "$run" --resume --threads "$THREADS"
  else
    step "$arch training ($minutes min)" "$dir/train.log" "$cli" train --preset "$preset" "$@" --out "$run" --max-minutes "$minutes" --threads "$THREADS"
  fi
  echo "load average after training: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)" >> "$dir/load.txt"
}

if [ "$ANALYSES_ONLY" != 1 ]; then
  for arch in $ARCHS; do
    train_one "$arch" "$(preset_of "$arch")" "$RUNS/$arch" "$MINUTES"
    step "$arch test2016" "$OUT/$arch/test2016.json" "$cli" evaluate --model "$RUNS/$arch" --src "$data/test2016.de" --ref "$data/test2016.en" --json
  done
  if [ "$TANH_MINUTES" != 0 ]; then
    train_one rnn-tanh multi30k-de-en-rnn "$RUNS/rnn-tanh" "$TANH_MINUTES" --cell rnn
  fi
fi

# the analyses, over the four runs that exist
models=() names=()
for arch in $ALL_ARCHS; do
  if [ -f "$RUNS/$arch/model.safetensors" ]; then models+=("$RUNS/$arch"); names+=("$arch"); fi
done
if [ ${#models[@]} -eq 0 ]; then log "no finished runs in $RUNS: nothing to analyse"; exit 1; fi
label=$(IFS=,; echo "${names[*]}")
log "analysing ${names[*]}"
step "curves" "$OUT/runs.txt" "$cli" plot --runs "${models[@]}" --names "$label" --out "$OUT/runs"
step "buckets" "$OUT/buckets.txt" "$cli" compare buckets --models "${models[@]}" --names "$label" --src "$data/test2016.de" --ref "$data/test2016.en" --out "$OUT/buckets"
step "positions" "$OUT/positions.txt" "$cli" compare positions --models "${models[@]}" --names "$label" --src "$data/val.de" --ref "$data/val.en" --limit "$SENTENCES" --out "$OUT/positions"
step "memory" "$OUT/memory.txt" "$cli" bench memory --arch "$(IFS=,; echo "$ALL_ARCHS" | tr ' ' ',')" --lengths "$MEMORY_LENGTHS" --batch-tokens "$MEMORY_BATCH_TOKENS" --threads "$THREADS" --out "$OUT/memory"
if [ -f "$RUNS/rnn-tanh/model.safetensors" ]; then
  step "tanh" "$OUT/tanh.txt" "$cli" compare tanh --model "$RUNS/rnn-tanh" --src "$data/val.de" --limit "$SENTENCES" --out "$OUT/tanh"
  step "tanh (loss)" "$OUT/tanh-loss.txt" "$cli" compare tanh --model "$RUNS/rnn-tanh" --src "$data/val.de" --ref "$data/val.en" --of loss --limit "$SENTENCES" --out "$OUT/tanh-loss"
else
  log "no vanilla-RNN run in $RUNS/rnn-tanh: the tanh analysis is left out (TANH_MINUTES > 0 trains one)"
fi

# summary.md: the host, each run's pre-run figures and test scores, then every table
# number FILE PREFIX: the first number that follows PREFIX in the JSON file with its white space taken out
number() { tr -d ' \n\r\t' < "$1" 2>/dev/null | grep -o "$2[-0-9.eE+]*" | head -n1 | sed "s/.*://" | rounded "${3:-1}" || true; }
# the 1024^3 GFLOP/s on all cores (the entry with the most threads)
gemm_all() { tr -d ' \n\r\t' < "$1" 2>/dev/null | grep -o '"shape":"square1024[^}]*' | tail -n1 | grep -o '"gflops":[0-9.]*' | cut -d: -f2 | rounded 1 || true; }
rounded() { awk -v d="$1" '{ printf "%.*f", d, $1 }'; }
{
  echo "# Transformer vs RNN on Multi30k de→en"
  echo
  echo '```'
  cat "$OUT/host.txt"
  echo '```'
  echo
  echo "| architecture | sgemm 1024³ GFLOP/s (all cores) | bench train step ms | tgt tokens/s | test2016 BLEU | chrF |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  for arch in "${names[@]}"; do
    d="$OUT/$arch"
    echo "| $arch | $(gemm_all "$d/gemm.json") | $(number "$d/bench-train.json" '"step_ms":') | $(number "$d/bench-train.json" '"tgt_tokens_per_s":' 0) | $(number "$d/test2016.json" '"bleu":{"score":' 2) | $(number "$d/test2016.json" '"chrf":{"score":' 2) |"
  done
  for part in runs buckets positions memory tanh tanh-loss; do
    [ -f "$OUT/$part.txt" ] || continue
    echo; echo "## $part"; echo; echo '```'; cat "$OUT/$part.txt"; echo '```'
  done
} > "$OUT/summary.md"
log "summary: $OUT/summary.md"
