#!/bin/sh
# Writes compose/.env from compose/.env.example, replacing every CHANGEME with its own
# random 48-character hex secret. Refuses to overwrite an existing .env.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
if [ -e "$here/.env" ]; then
  echo "init-env: $here/.env exists; edit it instead" >&2
  exit 1
fi
secret() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }
umask 077
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in
    *=CHANGEME) printf '%s=%s\n' "${line%%=*}" "$(secret)" ;;
    *) printf '%s\n' "$line" ;;
  esac
done < "$here/.env.example" > "$here/.env"
echo "init-env: wrote $here/.env with generated secrets (mode 600)"
