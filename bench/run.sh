#!/usr/bin/env bash
# Runs every issue-12 scenario: sqlport beside rusqlite and sqlx (in
# sqlport-bench) and beside the official libsql crate (libsql-bench, its own
# workspace), alternating the two binaries round by round against the same
# servers, then prints the merged table (also written to OUT/table.md).
#
#   bench/run.sh [--full] [--rounds N] [--sqld PATH] [--no-libsql] [--out DIR]
#
# --full: the 1M-row cursor and longer remote runs (see BENCHMARKS.md);
# --sqld PATH (or $SQLPORT_SQLD): also measure against a real sqld.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=3
FULL=()
SQLD="${SQLPORT_SQLD:-}"
OUT=target/bench-results
LIBSQL_TOO=1
while [ $# -gt 0 ]; do
  case "$1" in
    --full) FULL=(--full) ;;
    --rounds) ROUNDS="$2"; shift ;;
    --sqld) SQLD="$2"; shift ;;
    --no-sqld) SQLD="" ;;
    --no-libsql) LIBSQL_TOO=0 ;;
    --out) OUT="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

DATA=target/bench-data
mkdir -p "$DATA" "$OUT"
cargo build --release -p sqlport-bench
BENCH=target/release/sqlport-bench
LIBSQL=bench/libsql/target/release/libsql-bench
if [ "$LIBSQL_TOO" = 1 ]; then
  (cd bench/libsql && cargo build --release)
fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# The reference server, in its own process (so getrusage counts clients only);
# it stops when this script's end closes its stdin.
fifo="$(mktemp -u)"
mkfifo "$fifo"
"$BENCH" serve-ref --db "$DATA/remote-ref.db" < "$fifo" > "$OUT/ref.url" &
pids+=($!)
exec 3>"$fifo"
rm -f "$fifo"
for _ in $(seq 1 300); do
  grep -q '^listening on ' "$OUT/ref.url" 2>/dev/null && break
  sleep 0.1
done
REF_URL="$(sed -n 's/^listening on //p' "$OUT/ref.url")"
[ -n "$REF_URL" ] || { echo "the reference server did not start" >&2; exit 1; }
echo "reference server: $REF_URL" >&2

SQLD_ARGS=()
if [ -n "$SQLD" ] && [ -x "$SQLD" ]; then
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  rm -rf "$DATA/bench.sqld"
  "$SQLD" --no-welcome --db-path "$DATA/bench.sqld" --http-listen-addr "127.0.0.1:$port" >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.1
  done
  SQLD_ARGS=(--sqld-url "http://127.0.0.1:$port")
  echo "sqld: http://127.0.0.1:$port" >&2
fi

RESULTS="$OUT/results.jsonl"
: > "$RESULTS"
for r in $(seq 1 "$ROUNDS"); do
  run_sqlport() { "$BENCH" run --rounds 1 --first-round "$r" "${FULL[@]}" --dir "$DATA" --url "$REF_URL" "${SQLD_ARGS[@]}" >> "$RESULTS"; }
  run_libsql() {
    [ "$LIBSQL_TOO" = 1 ] || return 0
    "$LIBSQL" --rounds 1 --first-round "$r" "${FULL[@]}" --dir "$DATA" --url "$REF_URL" "${SQLD_ARGS[@]}" >> "$RESULTS"
  }
  # Round 1 starts with sqlport-bench (it creates the databases); then alternate.
  if [ $((r % 2)) = 1 ]; then run_sqlport; run_libsql; else run_libsql; run_sqlport; fi
done
"$BENCH" report "$RESULTS" | tee "$OUT/table.md"
