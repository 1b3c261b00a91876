#!/usr/bin/env bash
# Interop check: start the reference server (`sqlport-conformance serve`) on a
# free loopback port, run the official @libsql/client against it, stop it.
# Exits non-zero on any failure.
#
# Environment: SQLPORT_SERVE_BIN to use an already built binary (otherwise
# `cargo build -p sqlport-conformance` is run); CARGO_PROFILE (default: dev).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if [[ -n "${SQLPORT_SERVE_BIN:-}" ]]; then
  bin="$SQLPORT_SERVE_BIN"
else
  profile="${CARGO_PROFILE:-dev}"
  (cd "$root" && cargo build --profile "$profile" -p sqlport-conformance --bin sqlport-conformance)
  dir="$profile"
  [[ "$profile" == "dev" ]] && dir="debug"
  bin="$(cd "$root" && cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')/$dir/sqlport-conformance"
fi

log="$(mktemp -d)"
"$bin" serve :memory: --listen 127.0.0.1:0 >"$log/stdout" 2>"$log/stderr" &
pid=$!
stop() {
  if kill -0 "$pid" 2>/dev/null; then
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  rm -rf "$log"
}
trap stop EXIT

url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^listening on //p' "$log/stdout" | head -n 1)"
  [[ -n "$url" ]] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "server exited early:" >&2
    cat "$log/stderr" >&2
    exit 1
  fi
  sleep 0.1
done
[[ -n "$url" ]] || { echo "server did not report its address" >&2; exit 1; }

healthy=0
for _ in $(seq 1 50); do
  if node -e 'fetch(process.argv[1]+"/health").then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$url"; then
    healthy=1
    break
  fi
  sleep 0.1
done
[[ "$healthy" == 1 ]] || { echo "server at $url is not healthy" >&2; exit 1; }

cd "$here"
if [[ -f package-lock.json ]]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi
node interop.mjs "$url"

# Ctrl-C (SIGINT) must shut the server down cleanly with status 0.
kill -INT "$pid"
status=0
wait "$pid" || status=$?
trap - EXIT
rm -rf "$log"
if [[ "$status" != 0 ]]; then
  echo "server exited with status $status after SIGINT" >&2
  exit 1
fi
echo "interop: server stopped cleanly"
