#!/usr/bin/env bash
# Nest 12 smoke: runs the compiled sample app (dist/, from the root `npm run build`) on the Nest 12
# packages locked in this folder, in extend and rotate mode on PostgreSQL, and drives it with smoke.js.
# Jest cannot load Nest 12 (ES modules only); plain `node` can, through require(esm) (Node >= 20.19).
#
# Isolation: the app and a fresh `npm ci` of this folder go to a temporary stage outside the repo, so
# no resolver (CommonJS or ESM) can walk up into the root node_modules (Nest 11); probe.js checks it.
#
# Env: NEST12_PG (default postgres://postgres@127.0.0.1:5432), server with trust auth;
#      NEST12_KEEP=1 keeps the stage and the databases for a look afterwards.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PG=${NEST12_PG:-postgres://postgres@127.0.0.1:5432}
MODES=(extend rotate)
DB_PREFIX="nest12_smoke_$$"
STARTED=$(date +%s.%N)

say() { echo "nest12: $*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
psql_admin() { psql "$PG/postgres" -v ON_ERROR_STOP=1 -qAt -c "$1"; }

[ -f "$ROOT/dist/sample-app/main.js" ] || { say "dist/sample-app/main.js is missing: run 'npm run build' at the root first" >&2; exit 1; }
node -e 'process.exit(process.features.require_module ? 0 : 1)' ||
  { say "node $(node --version) cannot require() ES modules; Nest 12 needs Node >= 20.19 (or 22.12)" >&2; exit 1; }
command -v psql >/dev/null || { say "psql is required" >&2; exit 1; }
psql_admin 'SELECT 1' >/dev/null || { say "PostgreSQL is not reachable at $PG" >&2; exit 1; }

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/nest12-smoke.XXXXXX")
STAGE=$(cd "$STAGE" && pwd -P)
APP_PID=""

stop_app() {
  [ -n "$APP_PID" ] || return 0
  if kill -0 "$APP_PID" 2>/dev/null; then
    kill -TERM "$APP_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$APP_PID" 2>/dev/null && { say "app $APP_PID ignored SIGTERM, killing it"; kill -KILL "$APP_PID" 2>/dev/null || true; }
  fi
  wait "$APP_PID" 2>/dev/null || true
  APP_PID=""
}

CLEANED=""
clean_up() { # idempotent: run at the end, and by the EXIT trap after an early exit
  [ -z "$CLEANED" ] || return 0
  CLEANED=1
  stop_app
  if [ "${NEST12_KEEP:-}" = 1 ]; then
    say "kept $STAGE and databases ${DB_PREFIX}_*"
    return 0
  fi
  for mode in "${MODES[@]}"; do psql_admin "DROP DATABASE IF EXISTS ${DB_PREFIX}_$mode WITH (FORCE)" || true; done
  rm -rf "$STAGE"
}
on_exit() {
  local status=$?
  clean_up
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# A stage whose ancestors hold no node_modules: whatever Node resolves comes from the stage.
case "$STAGE/" in "$ROOT/"*) say "stage $STAGE is inside the repo" >&2; exit 1 ;; esac
dir=$(dirname "$STAGE")
while :; do
  [ ! -e "$dir/node_modules" ] || { say "$dir/node_modules exists above the stage; set TMPDIR elsewhere" >&2; exit 1; }
  [ "$dir" != / ] || break
  dir=$(dirname "$dir")
done

t=$(now)
cp "$HERE/package.json" "$HERE/package-lock.json" "$STAGE/"
(cd "$STAGE" && npm ci --no-audit --no-fund --loglevel=error)
INSTALL_S=$(since "$t")
mkdir "$STAGE/app"
cp -R "$ROOT/dist/lib" "$ROOT/dist/sample-app" "$STAGE/app/"
cp "$HERE/probe.js" "$HERE/smoke.js" "$STAGE/app/"
say "installed Nest 12 into $STAGE in ${INSTALL_S}s"

free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

TOTAL_PASSED=0
TOTAL_FAILED=0
count() { # mode, passed, failed, what
  TOTAL_PASSED=$((TOTAL_PASSED + $2))
  TOTAL_FAILED=$((TOTAL_FAILED + $3))
  [ "$3" = 0 ] || say "$1: $4 failed"
}

for mode in "${MODES[@]}"; do
  t=$(now)
  db="${DB_PREFIX}_$mode"
  psql_admin "CREATE DATABASE $db"
  port=$(free_port)
  log="$STAGE/app-$mode.log"
  # env -i: only what the app needs, so no NODE_PATH, NODE_OPTIONS or REDIS_URL leaks in from the host.
  env -i PATH="$PATH" HOME="${HOME:-/tmp}" NO_COLOR=1 NEST12_STAGE="$STAGE" \
    PORT="$port" AUTH_MODE="$mode" DATABASE_URL="$PG/$db" REUSE_GRACE=1 LOGIN_LIMIT=5 \
    TOKEN_SECRET="nest12-smoke-secret-$(date +%s%N)-padding-to-32-bytes" \
    node -r "$STAGE/app/probe.js" "$STAGE/app/sample-app/main.js" >"$log" 2>&1 &
  APP_PID=$!

  up=0
  for _ in $(seq 1 150); do
    kill -0 "$APP_PID" 2>/dev/null || break
    if curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; then up=1; break; fi
    sleep 0.2
  done
  if [ "$up" != 1 ]; then
    say "$mode: the app did not come up on port $port; its log:"
    cat "$log"
    count "$mode" 0 1 "start"
    stop_app
    continue
  fi
  say "$mode: app $APP_PID up on port $port after $(since "$t")s"
  grep '^nest12-probe:' "$log" | sed 's/^/  /'

  set +e
  out=$(cd "$STAGE/app" && node smoke.js "http://127.0.0.1:$port" "$mode")
  smoke_status=$?
  set -e
  echo "$out" | sed '$d'
  summary=$(echo "$out" | tail -n 1)
  if [[ "$summary" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=${BASH_REMATCH[1]}
    failed=${BASH_REMATCH[2]}
    [ "$smoke_status" = 0 ] || [ "$failed" != 0 ] || failed=1
  else
    passed=0
    failed=1
  fi
  echo "$mode: $passed passed, $failed failed"
  count "$mode" "$passed" "$failed" "smoke checks"

  stop_app
  # The audit is written by probe.js on SIGTERM, before Nest's own shutdown hook.
  audit=$(grep -E '^nest12-probe: (loaded|audit)' "$log" || true)
  echo "$audit" | sed 's/^/  /'
  if echo "$audit" | grep -q '^nest12-probe: audit ok' && echo "$audit" | grep -q '@nestjs/core/index.js (12\.'; then
    echo "ok   [$mode] the app ran on @nestjs/core 12 and loaded nothing outside the stage"
    count "$mode" 1 0 ""
  else
    echo "FAIL [$mode] isolation audit (see the lines above; app log follows)"
    cat "$log"
    count "$mode" 0 1 "isolation audit"
  fi
  if [ "$failed" != 0 ]; then say "$mode: app log:"; cat "$log"; fi
  say "$mode: done in $(since "$t")s"
done

t=$(now)
clean_up
say "cleaned up in $(since "$t")s; install ${INSTALL_S}s, total $(since "$STARTED")s"
echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
[ "$TOTAL_FAILED" = 0 ]
