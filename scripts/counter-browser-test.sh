#!/usr/bin/env bash
# Headless-Chromium test of the eHR portal (/counter): builds the ehealth binary, starts
# the api over a fresh SQLite database with the demo data, and walks a front desk's day
# with scripts/counter-browser-test.mjs (Node; the DevTools protocol by hand); the notifier
# runs beside it to write the applicant's SMS code to the outbox. Installs
# Debian's chromium if it is missing, and the axe-core accessibility checker from npm
# into target/axe-core (kept there for the next run). With SCREENSHOTS=docs/images the
# pages' screenshots in docs/counter-and-office.md are re-taken. Exit status 0 when every
# check passed.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
# The Traditional Chinese pages' screenshots need a CJK font (else every glyph is a box).
if [ -n "${SCREENSHOTS:-}" ] && [ -z "$(fc-list :lang=zh-tw 2>/dev/null)" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk
fi
command -v node >/dev/null || { echo "node (>= 20) is needed" >&2; exit 1; }
axe_dir="$PWD/target/axe-core"
axe_js="$axe_dir/node_modules/axe-core/axe.min.js"
if [ ! -f "$axe_js" ]; then
    npm install --silent --no-audit --no-fund --prefix "$axe_dir" axe-core@4.11.4 >/dev/null
fi

# EHEALTH_BIN: a binary already built (e.g. by the test suite), to skip the build.
bin="${EHEALTH_BIN:-}"
if [ -z "$bin" ]; then
    cargo build --bin ehealth
    bin="$PWD/target/debug/ehealth"
fi
work="$(mktemp -d)"
api_pid=""
notifier_pid=""
cleanup() {
    [ -n "$api_pid" ] && kill "$api_pid" 2>/dev/null || true
    [ -n "$notifier_pid" ] && kill "$notifier_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export DATABASE_URL="sqlite://$work/ehealth.sqlite3"
export EHEALTH_OUTBOX_DIR="$work/outbox"
export EHEALTH_API_ADDR="127.0.0.1:$port"
export EHEALTH_DEMO=0

"$bin" demo > "$work/demo.txt"
ehr="$(sed -n 's/.*eHR number \([0-9]*\), access key \([0-9]*\).*/\1/p' "$work/demo.txt")"
key="$(sed -n 's/.*eHR number \([0-9]*\), access key \([0-9]*\).*/\2/p' "$work/demo.txt")"
hcp_id="$(awk '/Harbour View/ {print $1; exit}' "$work/demo.txt")"
secret="$(sed -n 's/.*TOTP secret (base32) for every demo account: \([A-Z2-7]*\).*/\1/p' "$work/demo.txt")"
password="$(sed -n 's/.*password for every demo account: \(.*\)$/\1/p' "$work/demo.txt")"
[ -n "$ehr" ] && [ -n "$key" ] && [ -n "$hcp_id" ] && [ -n "$secret" ] || { cat "$work/demo.txt"; exit 1; }

"$bin" api > "$work/api.log" 2>&1 &
api_pid=$!
# The notifier delivers the applicant's mobile verification code to the outbox.
notifier_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
EHEALTH_NOTIFIER_ADDR="127.0.0.1:$notifier_port" "$bin" notifier > "$work/notifier.log" 2>&1 &
notifier_pid=$!
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$work/api.log"; exit 1; }

BASE="http://127.0.0.1:$port" CHROMIUM="$(command -v chromium)" HCP_ID="$hcp_id" USERNAME=drchan \
PASSWORD="$password" TOTP_SECRET="$secret" EHR="$ehr" HKIC="A123456(3)" ACCESS_KEY="$key" \
PROFILE_DIR="$work/profile" OUTBOX="$EHEALTH_OUTBOX_DIR" ADMIN=admin AXE_JS="$axe_js" SCREENSHOTS="${SCREENSHOTS:+$PWD/$SCREENSHOTS}" \
    node --experimental-websocket scripts/counter-browser-test.mjs
