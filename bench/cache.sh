#!/usr/bin/env bash
# Benchmarks of the response cache. Prints figures; asserts nothing. Talks only to the local OpenAI server
# (examples/fake_openai) on 127.0.0.1.
#
#   bench/cache.sh                          builds the release binary and the server, then measures
#   ENTRIES=1000000 bench/cache.sh          a bigger cache
#
# Seeds a database whose cache holds $ENTRIES replies (through llmgw's own schema, with the sqlite3 CLI), then
# measures: a hit (`chat --cache` of a stored request: no provider client is built), the same request live
# (`--no-cache`), and what a miss adds to a live request (paired runs of new prompts with and without --cache: the
# store opened instead of the spool, the lookup, and storing the reply), and the lookup's query alone.
#
# Needs hyperfine, sqlite3 and python3 (apt-get install hyperfine sqlite3 python3).
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in hyperfine sqlite3 python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required (apt-get install $tool)" >&2; exit 2; }
done
cargo build --release --quiet --bin llmgw --example fake_openai
BIN=$PWD/target/release/llmgw
RUNS=${RUNS:-30}
ENTRIES=${ENTRIES:-100000}
PAIRS=${PAIRS:-300}

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
export HOME=$work/home LLMGW_USER=bench AWS_EC2_METADATA_DISABLED=true NO_PROXY=127.0.0.1,localhost
mkdir -p "$HOME"
"$PWD/target/release/examples/fake_openai" --port 0 --tokens 50 >"$work/url" &
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
export OPENAI_BASE_URL=$(head -n1 "$work/url")/v1 OPENAI_API_KEY=sk-bench
db=$work/bench.db
export LLMGW_DB=$db

"$BIN" cache stats >/dev/null # creates the database with llmgw's schema
now_ms=$(($(date +%s) * 1000))
sqlite3 -bail "$db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ENTRIES)
INSERT INTO response_cache (key, provider, model, created, last_used, bytes, content, stop_reason, input_tokens,
                            output_tokens, tokens_estimated, cost_usd)
SELECT randomblob(32), 'openai', 'gpt-4o', $now_ms - i, $now_ms - i, 400, printf('%.272c', 'x'), 'end_turn', 30, 60, 0, 0.001
FROM n;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
"$BIN" chat --cache -m 4o "the stored question" >/dev/null
echo "== the cache holds $("$BIN" --json cache stats | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["entries"], "entries,", d["bytes"] // 1048576, "MiB")')"

hyperfine -N --warmup 5 --runs "$RUNS" \
  "$BIN chat --cache -m 4o 'the stored question'" \
  "$BIN chat --no-cache -m 4o 'the stored question'" \
  "$BIN chat --no-cache --no-log -m 4o 'the stored question'" 2>&1 | grep -E "Time|^Benchmark" || true

echo "== what a miss adds: $PAIRS interleaved pairs of new prompts, with --cache minus without"
python3 - "$BIN" "$PAIRS" <<'PY'
import statistics, subprocess, sys, time
binary, pairs = sys.argv[1], int(sys.argv[2])
def run(flag, prompt):
    started = time.perf_counter()
    subprocess.run([binary, "chat", flag, "-m", "4o", prompt], stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - started) * 1e3
for i in range(10):
    run("--cache", f"warm {i}"), run("--no-cache", f"warm {i}")
d = sorted(run("--cache", f"miss {i}") - run("--no-cache", f"live {i}") for i in range(pairs))
print(f"a miss adds {statistics.mean(d):.2f} ms mean, {d[len(d) // 2]:.2f} ms median, {d[len(d) * 9 // 10]:.2f} ms p90")
PY

echo "== the lookup alone: llmgw's query (src/store/cache.rs) on this database, 10,000 keys that miss"
python3 - "$db" <<'PY'
import os, sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1])
keys = [os.urandom(32) for _ in range(10_000)]
query = ("SELECT id, content, stop_reason, input_tokens, output_tokens, tokens_estimated, cost_usd, created "
         "FROM response_cache WHERE key = ?1 AND created >= ?2")
started = time.perf_counter()
for key in keys:
    conn.execute(query, (key, 0)).fetchone()
print(f"{(time.perf_counter() - started) / len(keys) * 1e6:.1f} us per lookup (Python's sqlite3, so an upper bound)")
PY
