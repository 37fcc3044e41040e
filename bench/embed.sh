#!/usr/bin/env bash
# Embedding throughput and memory: `llmgw embed` of 10,000 and 100,000 lines against the local OpenAI-compatible
# server (examples/fake_openai, 256-dimension vectors) on 127.0.0.1. Prints figures; asserts nothing.
#
#   bench/embed.sh              builds the release binary and the server, then measures
#
# Needs /usr/bin/time (peak memory).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet --bin llmgw --example fake_openai
BIN=$PWD/target/release/llmgw
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
export HOME=$work/home LLMGW_USER=bench NO_PROXY=127.0.0.1,localhost AWS_EC2_METADATA_DISABLED=true
mkdir -p "$HOME"
"$PWD/target/release/examples/fake_openai" --port 0 >"$work/url" &
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
export OPENAI_BASE_URL=$(head -n1 "$work/url")/v1 OPENAI_API_KEY=sk-bench

for lines in 10000 100000; do
  seq 1 "$lines" | sed 's/^/a note about topic number /' >"$work/lines.txt"
  /usr/bin/time -f "%e %M" -o "$work/t" "$BIN" embed -m embed-small <"$work/lines.txt" >"$work/out.jsonl"
  read -r secs kb <"$work/t"
  echo "embed $lines lines: $secs s, $(echo "$lines / $secs" | bc) lines/s, peak memory $((kb / 1024)) MB," \
    "$(wc -l <"$work/out.jsonl") vectors, $(du -m "$work/out.jsonl" | cut -f1) MB of output"
done
