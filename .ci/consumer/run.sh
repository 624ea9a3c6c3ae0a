#!/usr/bin/env bash
# Consumer check: does what a user does with the package. `npm pack` the repo, then for a fresh Nest 11
# CommonJS app and a fresh Nest 12 ES-module app (strict, skipLibCheck false): run the README's install
# command for that major (tarball in place of the package name), type check and build, boot the app under
# plain node, and log in, call a guarded route and refresh (rotate mode, better-sqlite3 file) over HTTP,
# also with DPoP (the app's signature worker must load fast-jwt from the app's install);
# in the Nest 11 app also run a Jest spec that imports the package (Nest 12 cannot run under Jest on
# Node 20: it is ES modules only). The purge CLI runs from the installed package's `bin`.
#
# Isolation: the apps live in a temporary stage with no node_modules above it, started with `env -i`,
# and probe.cjs audits that every module they loaded lies in the stage and that @nestjs/core has the
# app's major (what the former .ci/nest12 smoke proved, now for the packed package).
#
# Env: CONSUMER_README  README whose install blocks are used (default README.md at the repo root);
#      CONSUMER_KEEP=1  keep the stage for a look afterwards.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
README=${CONSUMER_README:-$ROOT/README.md}
STARTED=$(date +%s.%N)

say() { echo "consumer: $*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

[ -f "$README" ] || { say "README not found: $README" >&2; exit 1; }
node -e 'process.exit(process.features.require_module ? 0 : 1)' ||
  { say "node $(node --version) cannot require() ES modules; Nest 12 needs Node >= 20.19 (or 22.12)" >&2; exit 1; }

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/nta-consumer.XXXXXX")
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
on_exit() {
  local status=$?
  stop_app
  if [ "${CONSUMER_KEEP:-}" = 1 ]; then say "kept $STAGE"; else rm -rf "$STAGE"; fi
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

FAILED=0
fail() { say "FAIL $*"; FAILED=$((FAILED + 1)); }

t=$(now)
(cd "$ROOT" && npm pack --pack-destination "$STAGE" --loglevel=error >/dev/null)
TARBALL=$(ls "$STAGE"/nest-token-auth-*.tgz)
say "packed $(basename "$TARBALL") in $(since "$t")s"

# better-sqlite3 has no reachable prebuilt binary here, so each install would compile it (~2 min).
# The repo's own `npm ci` has just built it for this Node: offer that build to prebuild-install as a
# local prebuild. An install of another version finds no match and compiles as usual.
PREBUILDS="$STAGE/prebuilds"
BS3="$ROOT/node_modules/better-sqlite3"
if [ -f "$BS3/build/Release/better_sqlite3.node" ]; then
  mkdir -p "$PREBUILDS"
  name=$(node -e 'const p = require(process.argv[1]); const libc = require("fs").existsSync("/etc/alpine-release") ? "musl" : "";
    console.log(`better-sqlite3-v${p.version}-node-v${process.versions.modules}-${process.platform}${libc}-${process.arch}.tar.gz`)' "$BS3/package.json")
  tar -czf "$PREBUILDS/$name" -C "$BS3" build/Release/better_sqlite3.node
fi

free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# Checks that every installed @nestjs package except throttler (6.x on both) has the app's major.
check_majors() { # app dir, major
  node -e '
    const fs = require("fs"); const path = require("path");
    const [dir, major] = process.argv.slice(1);
    const scope = path.join(dir, "node_modules/@nestjs");
    const wrong = [];
    for (const name of fs.readdirSync(scope)) {
      const { version } = JSON.parse(fs.readFileSync(path.join(scope, name, "package.json"), "utf8"));
      console.log(`  @nestjs/${name}@${version}`);
      if (name !== "throttler" && version.split(".")[0] !== major) wrong.push(`@nestjs/${name}@${version}`);
    }
    if (wrong.length) { console.log(`  not Nest ${major}: ${wrong.join(" ")}`); process.exit(1); }' "$1" "$2"
}

run_app() { # app dir, major
  local app=$1 major=$2 port db log base t
  port=$(free_port)
  db="$STAGE/$major.sqlite"
  log="$STAGE/$major-app.log"
  t=$(now)
  env -i PATH="$PATH" HOME="${HOME:-/tmp}" NO_COLOR=1 CONSUMER_STAGE="$STAGE" PORT="$port" DB_FILE="$db" \
    TOKEN_SECRET="consumer-check-secret-$(date +%s%N)-padded-to-32-bytes" \
    node -r "$STAGE/probe.cjs" "$app/dist/src/main.js" >"$log" 2>&1 &
  APP_PID=$!
  base="http://127.0.0.1:$port"
  local up=0
  for _ in $(seq 1 150); do
    kill -0 "$APP_PID" 2>/dev/null || break
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/me" 2>/dev/null)" = 401 ]; then up=1; break; fi
    sleep 0.2
  done
  if [ "$up" != 1 ]; then
    fail "$major: the app did not come up; its log:"
    cat "$log"
    stop_app
    return
  fi
  say "$major: booted in $(since "$t")s"
  grep '^consumer-probe: resolve' "$log" | sed 's/^/  /'
  (cd "$app" && node dist/src/drive.js "$base") | sed 's/^/  /'
  [ "${PIPESTATUS[0]}" = 0 ] || fail "$major: the user flow over HTTP"
  stop_app
  local audit
  audit=$(grep -E '^consumer-probe: (loaded|audit)' "$log" || true)
  echo "$audit" | sed 's/^/  /'
  if echo "$audit" | grep -q '^consumer-probe: audit ok' && echo "$audit" | grep -q "@nestjs/core/index.js (${major#nest}\."; then
    say "$major: ran on @nestjs/core ${major#nest} and loaded nothing outside the stage"
  else
    fail "$major: isolation audit (app log follows)"
    cat "$log"
  fi
  # The DPoP step of the flow ran its proofs through the package's signature worker: the worker must
  # have loaded fast-jwt from the stage (probe.cjs shows a worker's loads) and never failed.
  local worker
  worker=$(grep -m1 '^consumer-probe: worker resolve .*fast-jwt' "$log" || true)
  if [ -n "$worker" ] && ! grep -q 'DPoP signature worker' "$log"; then
    say "$major: the DPoP signature worker ran on the stage's fast-jwt (${worker##* -> })"
  else
    fail "$major: the DPoP signature worker did not load fast-jwt from the stage, or failed (app log follows)"
    cat "$log"
  fi
  if [ "$major" = nest11 ]; then
    # The purge CLI as `bin` of the installed package, on the database the app just used.
    (cd "$app" && npx --no-install nest-token-auth-purge --database-url "sqlite:$db") | sed 's/^/  /'
    [ "${PIPESTATUS[0]}" = 0 ] || fail "$major: nest-token-auth-purge (bin) failed"
  fi
}

cp "$HERE/probe.cjs" "$STAGE/"
for major in nest11 nest12; do
  app="$STAGE/$major"
  mkdir -p "$app"
  cp -R "$HERE/$major/." "$app/"
  cp -R "$HERE/app/src" "$app/"
  command=$(node "$HERE/install-command.js" "$README" "$major" "$TARBALL")
  say "$major: $command"
  t=$(now)
  # The README's command as written; only quieter. One install per app: the app's own package.json
  # (a fresh Nest app and its dev tools) is installed in the same run.
  if ! (cd "$app" && npm_config_better_sqlite3_local_prebuilds="$PREBUILDS" $command --no-audit --no-fund --loglevel=error); then
    fail "$major: install"
    continue
  fi
  if [ -d "$app/node_modules/better-sqlite3/build/Release/obj" ]; then how="compiled from source"; else how="the repo's build of the same version"; fi
  say "$major: installed in $(since "$t")s (better-sqlite3 $(node -p 'require(process.argv[1]).version' "$app/node_modules/better-sqlite3/package.json"): $how)"
  check_majors "$app" "${major#nest}" || fail "$major: an @nestjs package of another major was installed"
  (cd "$app" && npm ls --all >/dev/null 2>&1) || { fail "$major: npm ls reports problems"; (cd "$app" && npm ls --all 2>&1 | grep -E 'invalid|missing|ERR' | head -20); }

  t=$(now)
  if (cd "$app" && npx --no-install tsc -p tsconfig.json); then
    say "$major: type check (strict, skipLibCheck false) and build passed in $(since "$t")s"
  else
    fail "$major: type check (strict, skipLibCheck false)"
    continue
  fi
  # The exports map: the root and package.json resolve, a deep import does not.
  (cd "$app" && node -e '
    require.resolve("nest-token-auth"); require("nest-token-auth/package.json");
    try { require.resolve("nest-token-auth/dist/lib/token-format.js"); } catch (e) { if (e.code === "ERR_PACKAGE_PATH_NOT_EXPORTED") process.exit(0); throw e; }
    console.log("a deep import resolved"); process.exit(1);') || fail "$major: the exports map lets deep imports through"
  if [ "$major" = nest11 ]; then
    t=$(now)
    (cd "$app" && npx --no-install jest --ci 2>&1) | sed 's/^/  /'
    if [ "${PIPESTATUS[0]}" = 0 ]; then say "$major: Jest spec passed in $(since "$t")s"; else fail "$major: Jest spec"; fi
  fi
  t=$(now)
  run_app "$app" "$major"
  say "$major: boot, user flow and audit in $(since "$t")s"
done

say "total $(since "$STARTED")s"
if [ "$FAILED" = 0 ]; then echo "consumer: ok"; else echo "consumer: $FAILED failed"; exit 1; fi
