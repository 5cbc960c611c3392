#!/usr/bin/env bash
# Headless-Chromium test of the passkey demo page (/passkey-demo): the browser's own
# WebAuthn with a DevTools virtual authenticator enrols and signs in the demo patient,
# once with a discoverable credential (usernameless sign-in) and once with a
# non-discoverable one (sign-in by eHR number). Starts the api and a notifier (for the
# SMS code, read from the outbox) over a fresh SQLite database; the relying party is
# `localhost` on a free port. Drives the page with scripts/passkey-browser-test.mjs (Node,
# no npm packages). Exit status 0 when every check passed.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
command -v node >/dev/null || { echo "node (>= 20) is needed" >&2; exit 1; }

# EHEALTH_BIN: a binary already built (e.g. by the test suite), to skip the build.
bin="${EHEALTH_BIN:-}"
if [ -z "$bin" ]; then
    cargo build --bin ehealth
    bin="$PWD/target/debug/ehealth"
fi
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export DATABASE_URL="sqlite://$work/ehealth.sqlite3"
export EHEALTH_OUTBOX_DIR="$work/outbox"
export EHEALTH_API_ADDR="127.0.0.1:$port"
export EHEALTH_NOTIFIER_ADDR="127.0.0.1:0"
export EHEALTH_DEMO=0
# WebAuthn needs a secure context: http is one only on localhost.
export EHEALTH_WEBAUTHN_RP_ID=localhost
export EHEALTH_WEBAUTHN_RP_ORIGINS="http://localhost:$port"

"$bin" demo > "$work/demo.txt"
ehr="$(sed -n 's/.*eHR number \([0-9]*\), access key \([0-9]*\).*/\1/p' "$work/demo.txt")"
[ -n "$ehr" ] || { cat "$work/demo.txt"; exit 1; }

"$bin" api > "$work/api.log" 2>&1 &
pids+=($!)
"$bin" notifier > "$work/notifier.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$work/api.log"; exit 1; }

BASE="http://localhost:$port" CHROMIUM="$(command -v chromium)" EHR="$ehr" DOB=1980-01-01 \
OUTBOX="$work/outbox" PROFILE_DIR="$work/profile" \
    node --experimental-websocket scripts/passkey-browser-test.mjs \
    || { echo "--- api log"; tail -n 30 "$work/api.log"; echo "--- notifier log"; tail -n 30 "$work/notifier.log"; exit 1; }
