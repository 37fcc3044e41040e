#!/usr/bin/env bash
# Benchmarks of the SQLite store. Prints figures; asserts nothing. Offline: only the `echo` model is used.
#
#   bench/store.sh                          builds the release binary, then measures
#   BIN=target/debug/llmgw bench/store.sh   measures another build (no release build)
#
# Fills one database with 1,000,000 request records (and their hourly and daily rollups of durations and first-token
# times, as llmgw keeps them), 100,000 conversations of 2 messages and one conversation of
# 10,000 messages (through llmgw's own schema, with the sqlite3 CLI), then measures: the cost of recording a request
# (`chat -m echo` with and without --no-log), `metrics` over all the records, `conv list` (and `--search`) among
# 100,000 conversations, `conv show` of the 10,000-message conversation, and model health (`models status claude`,
# `models list --health`), the usage report over all the records, and the cost of a limit check.
#
# Needs hyperfine and sqlite3 (apt-get install hyperfine sqlite3).
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in hyperfine sqlite3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required (apt-get install $tool)" >&2; exit 2; }
done
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bin llmgw
  BIN=$PWD/target/release/llmgw
fi
RUNS=${RUNS:-20}
REQUESTS=${REQUESTS:-1000000}
CONVERSATIONS=${CONVERSATIONS:-100000}
MESSAGES=${MESSAGES:-10000}

work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
export HOME=$work/home LLMGW_USER=bench
mkdir -p "$HOME"
db=$work/bench.db
"$BIN" --db "$db" conv list >/dev/null # creates the database with llmgw's schema

echo "== seeding $REQUESTS requests, $CONVERSATIONS conversations, one of $MESSAGES messages"
now_ms=$(($(date +%s) * 1000))
# llmgw's duration_bin (src/store/records.rs) in SQL: exact below 32 ms, then 16 bins per doubling.
shift="CASE"
for k in $(seq 1 40); do shift="$shift WHEN duration_ms < $((1 << (k + 5))) THEN $k"; done
bin="CASE WHEN duration_ms < 32 THEN duration_ms ELSE ($shift END) * 16 + (duration_ms >> ($shift END)) END"
ttft_bin=${bin//duration_ms/ttft_ms}
seed_start=$(date +%s.%N)
sqlite3 -bail "$db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $REQUESTS)
INSERT INTO requests (request_id, time, user_id, command, provider, vendor, model, ok, error_code, input_tokens,
                      output_tokens, duration_ms, ttft_ms, tokens_per_second, cost_usd, conversation_id)
SELECT printf('req_%012d', i), $now_ms - i * 600, 'user' || (i % 7), CASE WHEN i % 4 = 0 THEN 'stream' ELSE 'chat' END,
       'bedrock', CASE i % 3 WHEN 0 THEN 'meta' ELSE 'anthropic' END,
       CASE i % 3 WHEN 0 THEN 'us.meta.llama3-3-70b-instruct-v1:0' WHEN 1 THEN 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'
                  ELSE 'us.anthropic.claude-haiku-4-5-20251001-v1:0' END,
       i % 25 <> 0, CASE WHEN i % 25 = 0 THEN 'provider' END, 50 + i % 400, 20 + i % 900,
       200 + (i * 7919) % 3000, CASE WHEN i % 4 = 0 THEN 150 + i % 300 END, 40.0 + i % 60, (i % 1000) / 100000.0, NULL
FROM n;
INSERT INTO request_rollup (hour, user_id, model, provider, vendor, bin, requests, succeeded, input_tokens,
                            output_tokens, cost_usd, duration_sum, duration_max)
SELECT time / 3600000, user_id, coalesce(model, ''), coalesce(provider, ''), coalesce(vendor, ''), $bin, count(*),
       sum(ok), sum(input_tokens), sum(output_tokens), total(cost_usd), sum(duration_ms), max(duration_ms)
FROM requests GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO request_rollup_daily (day, user_id, model, provider, vendor, bin, requests, succeeded, input_tokens,
                                  output_tokens, cost_usd, duration_sum, duration_max)
SELECT hour / 24, user_id, model, provider, vendor, bin, sum(requests), sum(succeeded), sum(input_tokens),
       sum(output_tokens), total(cost_usd), sum(duration_sum), max(duration_max)
FROM request_rollup GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO ttft_rollup (hour, user_id, model, provider, vendor, bin, requests, ttft_sum)
SELECT time / 3600000, user_id, coalesce(model, ''), coalesce(provider, ''), coalesce(vendor, ''), $ttft_bin, count(*),
       sum(ttft_ms)
FROM requests WHERE ttft_ms IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO ttft_rollup_daily (day, user_id, model, provider, vendor, bin, requests, ttft_sum)
SELECT hour / 24, user_id, model, provider, vendor, bin, sum(requests), sum(ttft_sum)
FROM ttft_rollup GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO model_health (provider, model, last_ok, last_error, last_error_code, failing)
SELECT provider, model, max(CASE WHEN ok THEN time END), max(CASE WHEN NOT ok THEN time END), 'provider', 0
FROM requests GROUP BY provider, model;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $CONVERSATIONS)
INSERT INTO conversations (id, user_id, name, title, system, created_at, updated_at)
SELECT printf('conv_%012d', i), 'bench', NULL, 'conversation ' || i, NULL, $now_ms - i * 1000, $now_ms - i * 1000
FROM n;
INSERT INTO messages (conversation_id, seq, role, content, model, provider, created_at)
SELECT id, s.seq, CASE s.seq WHEN 1 THEN 'user' ELSE 'assistant' END,
       CASE s.seq WHEN 1 THEN 'question ' || substr(id, 6) || ' about topic' || (conversations.rowid % 1000) ELSE 'an answer of some words' END,
       CASE s.seq WHEN 2 THEN 'echo' END, CASE s.seq WHEN 2 THEN 'local' END, created_at
FROM conversations, (SELECT 1 AS seq UNION ALL SELECT 2) s;
INSERT INTO conversations VALUES ('conv_big', 'bench', 'big', 'ten thousand messages', NULL, $now_ms, $now_ms);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $MESSAGES)
INSERT INTO messages (conversation_id, seq, role, content, model, provider, created_at)
SELECT 'conv_big', i, CASE i % 2 WHEN 1 THEN 'user' ELSE 'assistant' END,
       'message ' || i || ' with a sentence of ordinary length, about as long as a short chat turn usually is.',
       CASE i % 2 WHEN 0 THEN 'echo' END, CASE i % 2 WHEN 0 THEN 'local' END, $now_ms
FROM n;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
echo "seeded in $(echo "$(date +%s.%N) - $seed_start" | bc) s; $(du -h "$db" | cut -f1)"

echo
echo "== recording a request (the difference between the two: appending its record to the spool beside the database,"
echo "   and for one request in about 800 moving the spool into the database)"
hyperfine -N --warmup 5 --runs "$RUNS" \
  "$BIN --db $db chat --no-log -m echo hello" \
  "$BIN --db $db chat -m echo hello" 2>&1 | grep -E "Time|^Benchmark" || true

# Separate hyperfine runs drift by ±0.5 ms on a shared machine; interleaved pairs measure the difference itself.
if command -v python3 >/dev/null; then
  echo "== recording, paired: ${PAIRS:-2000} interleaved runs of each, difference per pair"
  python3 - "$BIN" "$db" "${PAIRS:-2000}" <<'PY'
import os, statistics, subprocess, sys, time
binary, db, pairs = sys.argv[1], sys.argv[2], int(sys.argv[3])
def run(*args):
    started = time.perf_counter()
    subprocess.run([binary, "--db", db, "chat", *args, "-m", "echo", "hello"], stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - started) * 1e3
for _ in range(20):
    run("--no-log"), run()
d = sorted(run() - run("--no-log") for _ in range(pairs))
print(f"recording costs {statistics.mean(d):.2f} ms mean, {d[len(d) // 2]:.2f} ms median, {d[len(d) * 9 // 10]:.2f} ms p90;"
      f" slowest pairs (requests that moved the spool into the database): {', '.join(f'{x:.1f}' for x in d[-3:])} ms")
PY
fi

# The cost of a limit check: the same request with one rule of config/system/limits.json that applies to it (the
# store opened, the counters checked and reserved in one transaction, then settled) against the spool path.
if command -v python3 >/dev/null; then
  limits_root=$work/limits-config
  mkdir -p "$limits_root/system"
  echo '{"base": "builtin", "providers": []}' >"$limits_root/providers.json"
  echo '{"rules": [{"name": "bench", "scope": {"user": "*"}, "limits": {"requests_per_minute": 1000000000, "tokens_per_day": 1000000000000}}]}' \
    >"$limits_root/system/limits.json"
  echo "== a limit check, paired: ${PAIRS:-2000} interleaved runs of each, difference per pair"
  python3 - "$BIN" "$db" "${PAIRS:-2000}" "$limits_root" <<'PY'
import os, statistics, subprocess, sys, time
binary, db, pairs, root = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
limited = dict(os.environ, LLMGW_CONFIG_DIR=root)
def run(env):
    started = time.perf_counter()
    subprocess.run([binary, "--db", db, "chat", "-m", "echo", "hello"], stdout=subprocess.DEVNULL, check=True, env=env)
    return (time.perf_counter() - started) * 1e3
for _ in range(20):
    run(limited), run(os.environ)
d = sorted(run(limited) - run(os.environ) for _ in range(pairs))
print(f"a limit check costs {statistics.mean(d):.2f} ms mean, {d[len(d) // 2]:.2f} ms median, {d[len(d) * 9 // 10]:.2f} ms p90")
PY
fi

echo
echo "== metrics over $REQUESTS records, conv list among $CONVERSATIONS, conv show of $MESSAGES messages"
hyperfine -N --warmup 2 --runs "$RUNS" \
  "$BIN --db $db metrics" \
  "$BIN --db $db metrics --since 24h" \
  "$BIN --db $db metrics --since 8h" \
  "$BIN --db $db metrics --since 1h" \
  "$BIN --db $db metrics --model claude --user user3" \
  "$BIN --db $db conv list" \
  "$BIN --db $db conv list --search topic7" \
  "$BIN --db $db conv show big" \
  "$BIN --db $db metrics --by user" \
  "$BIN --db $db metrics --by day" \
  "$BIN --db $db metrics --by hour --since 24h" \
  "$BIN --db $db models status claude" \
  "$BIN --db $db models list --health" 2>&1 | grep -E "Time|^Benchmark" || true

echo
echo "== report over $REQUESTS records (30 days, 7 of them with requests)"
hyperfine -N --warmup 1 --runs "$RUNS" "$BIN --db $db report --since 30d" 2>&1 | grep -E "Time|^Benchmark" || true
"$BIN" --db "$db" report --since 30d | wc -c | awk '{printf "the page: %d bytes\n", $1}'
