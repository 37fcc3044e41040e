#!/usr/bin/env bash
# How long loading a large catalogue takes: a config root of N models (each with two aliases) under one provider,
# loaded by `models list` (startup, read, parse, validate, render). Prints figures; asserts nothing.
#
#   bench/config.sh              10,000 and 75,000 models
#   SIZES="1000 10000" bench/config.sh
#
# Needs hyperfine (apt-get install hyperfine) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "bench: hyperfine is required (apt-get install hyperfine)" >&2; exit 2; }
cargo build --release --quiet --bin llmgw
BIN=$PWD/target/release/llmgw
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for n in ${SIZES:-10000 75000}; do
  dir=$work/config-$n
  cp -r config "$dir"
  python3 - "$dir" "$n" <<'PY'
import json, sys
root, n = sys.argv[1], int(sys.argv[2])
models = [{"modelId": f"bench-model-{i}", "aliases": [f"bench-{i}", f"b{i}"],
           "pricing": {"inputPerMillion": 1.0, "outputPerMillion": 2.0}} for i in range(n)]
with open(f"{root}/providers/local/models.json", "w") as f:
    json.dump({"vendors": [{"name": "local", "models": [{"modelId": "echo"}] + models}]}, f)
PY
  size=$(du -k "$dir/providers/local/models.json" | cut -f1)
  echo "== $n models (${size} KB of JSON)"
  hyperfine -N --warmup 2 --runs 10 "$BIN --config $dir models list --provider local --json" 2>&1 \
    | grep -E "Time|±" || true
done
