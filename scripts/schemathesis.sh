#!/usr/bin/env bash
# Fuzzes the api against its own contract with schemathesis (PyPI, pinned): starts
# `ehealth serve` on a scratch PostgreSQL database with the demo data on free ports, signs
# in as the demo patient (SMS code from the outbox), the demo doctor (password + TOTP) and
# the Office (password + TOTP, no provider id), and runs `st run --checks all` against
# /openapi.json as each. Fails on any 5xx or any status the document does not list for
# the operation; the other checks' findings are printed, not fatal (see
# docs/decisions.md, issue 11).
#
# Env: ST_MAX_EXAMPLES (default 5) bounds the examples per operation and phase;
# EHEALTH_TEST_POSTGRES_URL the server database (default postgres on 127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.32.5
venv="${XDG_CACHE_HOME:-$HOME/.cache}/ehealth-schemathesis-$version"
[ -x "$venv/bin/st" ] || {
    # Its own virtualenv: schemathesis pins jsonschema & co., which other tools share.
    python3 -m venv "$venv" || {
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
        python3 -m venv "$venv"
    }
    "$venv/bin/pip" install --quiet "schemathesis==$version"
}
# EHEALTH_BIN: a binary already built (e.g. by the test suite), to skip the build.
bin="${EHEALTH_BIN:-}"
if [ -z "$bin" ]; then
    cargo build --bin ehealth
    bin="$PWD/target/debug/ehealth"
fi

admin_url="${EHEALTH_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
db="ehealth_schemathesis_$$"
work="$(mktemp -d)"
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
psql -q "$admin_url" -c "CREATE DATABASE $db" >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port="$(free_port)"
api="http://127.0.0.1:$port"
DATABASE_URL="${admin_url%/*}/$db" EHEALTH_DEMO=1 EHEALTH_API_ADDR="127.0.0.1:$port" \
    EHEALTH_IVR_ADDR="127.0.0.1:$(free_port)" EHEALTH_NOTIFIER_ADDR="127.0.0.1:$(free_port)" \
    EHEALTH_OUTBOX_DIR="$work/outbox" RUST_LOG="${RUST_LOG:-warn}" \
    "$bin" serve > "$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do
    curl -sf "$api/readyz" >/dev/null && grep -q "access key" "$work/serve.log" && break
    sleep 0.2
done
curl -sf "$api/readyz" >/dev/null || { cat "$work/serve.log"; exit 1; }

field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
post() { curl -sf "$api$1" -H 'content-type: application/json' -d "$2"; }

ehr="$(sed -n 's/.*eHR number \([0-9]*\),.*/\1/p' "$work/serve.log")"
challenge="$(post /v1/app/sessions/otp "{\"ehr_number\":\"$ehr\",\"date_of_birth\":\"1980-01-01\"}" | field challenge_id)"
for _ in $(seq 1 50); do
    ls "$work"/outbox/sms/*verification_code* >/dev/null 2>&1 && break
    sleep 0.2
done
code="$(sed -n 's/.*code is \([0-9]\{6\}\).*/\1/p' "$work"/outbox/sms/*verification_code*)"
patient="$(post /v1/app/sessions/otp/verify "{\"challenge_id\":\"$challenge\",\"code\":\"$code\"}" | field token)"
secret="$(sed -n 's/.*TOTP secret (base32) for every demo account: \([A-Z2-7]*\).*/\1/p' "$work/serve.log")"
password="$(sed -n 's/.*password for every demo account: \(.*\)$/\1/p' "$work/serve.log")"
totp="$("$bin" totp "$secret")"
hcprof="$(post /v1/hcp/sessions "{\"hcp_id\":\"000010017\",\"username\":\"drchan\",\"password\":\"$password\",\"totp_code\":\"$totp\"}" | field token)"
office="$(post /v1/admin/sessions "{\"username\":\"office\",\"password\":\"$password\",\"totp_code\":\"$totp\"}" | field token)"

# Signing out and withdrawing end the patient's session (and membership): run last.
ending='^/v1/app/(sessions/current|withdrawal)$'
status=0
run() {
    local name="$1" token="$2"
    shift 2
    echo "==> schemathesis as $name"
    "$venv/bin/st" run "$api/openapi.json" --checks all --max-examples "${ST_MAX_EXAMPLES:-5}" \
        --seed 11 --workers 2 --request-timeout 10 --no-color \
        -H "Authorization: Bearer $token" --report junit \
        --report-junit-path "$work/$name.xml" "$@" > "$work/$name.txt" 2>&1 || true
    python3 scripts/schemathesis-verdict.py "$name" "$work/$name.xml" "$work/$name.txt" || status=1
}
run patient "$patient" --exclude-path-regex "$ending"
run hcprof "$hcprof" --exclude-path-regex "$ending"
run office "$office" --exclude-path-regex "$ending"
run patient-ending "$patient" --include-path-regex "$ending"
if grep -q "request failed" "$work/serve.log"; then
    echo "server errors logged:"
    grep "request failed" "$work/serve.log" | head -20
    status=1
fi
exit "$status"
