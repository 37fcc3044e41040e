#!/usr/bin/env bash
# Benchmarks for llmgw. Prints figures; asserts nothing. Everything talks to local servers on 127.0.0.1
# (examples/fake_bedrock for Bedrock, examples/fake_openai for OpenAI).
#
#   bench/run.sh            all of it (a few minutes on 2 cores, after the release build)
#   TOKENS=100000 bench/run.sh   a shorter stream
#
# Needs hyperfine (apt-get install hyperfine) and curl; /usr/bin/time for peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."

export AWS_EC2_METADATA_DISABLED=true
TOKENS=${TOKENS:-1000000}
RUNS=${RUNS:-5}

command -v hyperfine >/dev/null || { echo "bench: hyperfine is required (apt-get install hyperfine)" >&2; exit 2; }
cargo build --release --quiet --bin llmgw --example fake_bedrock --example fake_openai --example sdk_stream_floor
BIN=$PWD/target/release/llmgw
SERVER=$PWD/target/release/examples/fake_bedrock
OPENAI_SERVER=$PWD/target/release/examples/fake_openai
FLOOR=$PWD/target/release/examples/sdk_stream_floor
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

start_server() { # $1 = tokens, $2 = vendor; sets $url (not in a subshell, so the EXIT trap can stop it)
  "$SERVER" --port 0 --tokens "$1" --vendor "$2" >"$work/url.$1.$2" &
  for _ in $(seq 100); do [ -s "$work/url.$1.$2" ] && break; sleep 0.05; done
  url=$(head -n1 "$work/url.$1.$2")
}

start_openai() { # $1 = tokens; sets $url like start_server
  "$OPENAI_SERVER" --port 0 --tokens "$1" >"$work/url.$1.openai" &
  for _ in $(seq 100); do [ -s "$work/url.$1.openai" ] && break; sleep 0.05; done
  url=$(head -n1 "$work/url.$1.openai")
}

export HOME=$work/home AWS_ACCESS_KEY_ID=AKIDBENCHBENCH AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1
export AWS_CONFIG_FILE=$work/none AWS_SHARED_CREDENTIALS_FILE=$work/none
mkdir -p "$HOME"
CLAUDE=us.anthropic.claude-sonnet-4-5-20250929-v1:0
BODY='{"anthropic_version":"bedrock-2023-05-31","max_tokens":1024,"messages":[{"role":"user","content":"hello"}]}'
printf '%s' "$BODY" >"$work/body.json"

echo "== startup"
hyperfine -N --warmup 20 --runs 200 --export-json "$work/startup.json" \
  "$BIN --version" "$BIN models list" "$BIN chat -m echo hello" 2>&1 | grep -E "Time|±|^Benchmark" || true

echo
echo "== no credentials: time to exit 5 (instance metadata disabled)"
hyperfine -N -i --warmup 3 --runs 20 \
  "env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY $BIN chat -m claude hi" 2>&1 | grep -E "Time" || true

echo
echo "== chat round trip against the local Bedrock server: llmgw vs curl"
start_server 20 anthropic
export AWS_ENDPOINT_URL_BEDROCK_RUNTIME=$url
hyperfine -N --warmup 10 --runs 100 --export-json "$work/chat.json" \
  "$BIN chat -m claude hello" \
  "curl -s -X POST -H content-type:application/json --data-binary @$work/body.json $url/model/$CLAUDE/invoke" \
  2>&1 | grep -E "Time|±|^Benchmark|faster" || true

echo
echo "== stream of $TOKENS tokens to /dev/null: llmgw vs curl reading the raw event stream"
for vendor in anthropic meta; do
  start_server "$TOKENS" "$vendor"
  model=$CLAUDE; [ "$vendor" = meta ] && model=us.meta.llama3-3-70b-instruct-v1:0
  raw_bytes=$(curl -s -X POST -H content-type:application/json --data-binary @"$work/body.json" \
    "$url/model/$model/invoke-with-response-stream" | wc -c)
  best() { sort -n | head -n1; }
  rm -f "$work/llmgw.$vendor" "$work/curl.$vendor" "$work/floor.$vendor"
  for i in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$work/t" env AWS_ENDPOINT_URL_BEDROCK_RUNTIME="$url" \
      "$BIN" stream -m "$model" hello >/dev/null
    cat "$work/t" >>"$work/llmgw.$vendor"
    /usr/bin/time -f "%e %M" -o "$work/t" curl -s -X POST -H content-type:application/json \
      --data-binary @"$work/body.json" "$url/model/$model/invoke-with-response-stream" -o /dev/null
    cat "$work/t" >>"$work/curl.$vendor"
    /usr/bin/time -f "%e %M" -o "$work/t" env AWS_ENDPOINT_URL_BEDROCK_RUNTIME="$url" "$FLOOR" "$model" 2>/dev/null
    cat "$work/t" >>"$work/floor.$vendor"
  done
  l=$(awk '{print $1}' "$work/llmgw.$vendor" | best); lm=$(awk '{print $2}' "$work/llmgw.$vendor" | sort -n | tail -n1)
  c=$(awk '{print $1}' "$work/curl.$vendor" | best); cm=$(awk '{print $2}' "$work/curl.$vendor" | sort -n | tail -n1)
  f=$(awk '{print $1}' "$work/floor.$vendor" | best)
  awk -v v="$vendor" -v l="$l" -v c="$c" -v f="$f" -v lm="$lm" -v cm="$cm" -v n="$TOKENS" -v b="$raw_bytes" 'BEGIN {
    printf "%s: llmgw %.2f s (%.0f tokens/s, peak RSS %d MB); curl raw read %.2f s (%.0f MB/s, peak %d MB); AWS SDK drain alone %.2f s\n",
      v, l, n / l, lm / 1024, c, b / c / 1e6, cm / 1024, f
    printf "%s: llmgw runs at %.0f%% of the raw rate and %.0f%% of the SDK-only rate\n", v, 100 * c / l, 100 * f / l }'
done

echo
echo "== OpenAI chat round trip against the local OpenAI server: llmgw vs curl"
start_openai 20
export OPENAI_BASE_URL=$url/v1 OPENAI_API_KEY=sk-bench NO_PROXY=127.0.0.1,localhost
printf '%s' '{"model":"gpt-4o","messages":[{"role":"user","content":"hello"}],"max_tokens":1024}' >"$work/openai.json"
hyperfine -N --warmup 10 --runs 100 \
  "$BIN chat -m 4o hello" \
  "curl -s -H content-type:application/json -H 'authorization: Bearer sk-bench' --data-binary @$work/openai.json $url/v1/chat/completions" \
  2>&1 | grep -E "Time|±|^Benchmark|faster" || true

echo
echo "== OpenAI stream of $TOKENS tokens to /dev/null: llmgw vs curl reading the raw SSE stream"
start_openai "$TOKENS"
printf '%s' '{"model":"gpt-4o","messages":[{"role":"user","content":"hello"}],"max_tokens":1024,"stream":true,"stream_options":{"include_usage":true}}' \
  >"$work/openai-stream.json"
raw_bytes=$(curl -s -H content-type:application/json --data-binary @"$work/openai-stream.json" \
  "$url/v1/chat/completions" | wc -c)
rm -f "$work/llmgw.openai" "$work/curl.openai"
for i in $(seq "$RUNS"); do
  /usr/bin/time -f "%e %M" -o "$work/t" env OPENAI_BASE_URL="$url/v1" "$BIN" stream -m 4o hello >/dev/null
  cat "$work/t" >>"$work/llmgw.openai"
  /usr/bin/time -f "%e %M" -o "$work/t" curl -s -N -H content-type:application/json \
    --data-binary @"$work/openai-stream.json" "$url/v1/chat/completions" -o /dev/null
  cat "$work/t" >>"$work/curl.openai"
done
l=$(awk '{print $1}' "$work/llmgw.openai" | sort -n | head -n1); lm=$(awk '{print $2}' "$work/llmgw.openai" | sort -n | tail -n1)
c=$(awk '{print $1}' "$work/curl.openai" | sort -n | head -n1); cm=$(awk '{print $2}' "$work/curl.openai" | sort -n | tail -n1)
awk -v l="$l" -v c="$c" -v lm="$lm" -v cm="$cm" -v n="$TOKENS" -v b="$raw_bytes" 'BEGIN {
  printf "openai: llmgw %.2f s (%.0f tokens/s, peak RSS %d MB); curl raw read %.2f s (%.0f MB/s, peak %d MB)\n",
    l, n / l, lm / 1024, c, b / c / 1e6, cm / 1024
  printf "openai: llmgw runs at %.0f%% of the raw rate\n", 100 * c / l }'
