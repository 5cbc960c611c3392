#!/usr/bin/env bash
# PostgreSQL outage drill (issue #7; docs/operations.md, "Database outage drill").
#
# On a fresh database of the local PostgreSQL (127.0.0.1:5432, user postgres), runs
# `ehealth api`, `ehealth ivr` and `ehealth notifier` as separate processes under load, crashes
# PostgreSQL (stop -m immediate) for a few seconds and starts it again. Passes when the
# services answer 503 while it is down, recover without a restart, and no consent, audit
# entry or notification job is half-written or lost (scripts/postgres-outage-drill.py).
#
# It stops the machine's PostgreSQL: it refuses to while other clients use it, and
# always starts it again on exit. DRILL_KEEP_LOGS=DIR keeps the services' logs;
# DRILL_STOP_MODE=fast stops PostgreSQL cleanly instead of crashing it.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_HOST=127.0.0.1
PG_PORT=5432
ivr_token="drill-twilio-token"
ADMIN_URL="postgres://postgres@${PG_HOST}:${PG_PORT}/postgres"
DRILL_DB=ehealth_drill
DRILL_URL="postgres://postgres@${PG_HOST}:${PG_PORT}/${DRILL_DB}"
PG_VERSION="$(ls /etc/postgresql)"
# EHEALTH_DRILL_BIN: a binary to drill instead of building target/debug/ehealth.
BIN="${EHEALTH_DRILL_BIN:-$PWD/target/debug/ehealth}"
# Seconds to wait for other users of PostgreSQL (a test run) to finish before giving up.
WAIT_FOR_OTHERS_SECS="${DRILL_WAIT_FOR_OTHERS_SECS:-300}"

log() { printf '\n==> %s\n' "$*"; }

work="$(mktemp -d -t ehealth-drill.XXXXXX)"
pids=()

cleanup() {
    local status=$?
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
        echo "drill: starting PostgreSQL again" >&2
        pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start || true
        for _ in $(seq 1 30); do
            pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break
            sleep 1
        done
    fi
    psql -X -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS ${DRILL_DB} WITH (FORCE)" >/dev/null 2>&1 || true
    if [ "$status" -ne 0 ]; then
        echo "drill: FAILED (exit $status); logs:" >&2
        for f in api ivr notifier; do
            echo "--- last lines of $f.log" >&2
            tail -n 20 "$work/$f.log" >&2 2>/dev/null || true
        done
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_ready() {
    local url="$1"
    for _ in $(seq 1 60); do
        curl -fsS -o /dev/null "$url/readyz" 2>/dev/null && return 0
        sleep 0.5
    done
    echo "drill: $url/readyz never answered 200" >&2
    return 1
}

# Client backends on databases other than the drill's (a test run, someone's work).
other_users() {
    psql -X -At "$ADMIN_URL" -c "SELECT count(*) FROM pg_stat_activity
        WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
          AND datname IS DISTINCT FROM '${DRILL_DB}'"
}

wait_for_other_users() {
    local waited=0
    while [ "$(other_users)" -gt 0 ] || pgrep -x cargo-nextest >/dev/null; do
        if [ "$waited" -ge "$WAIT_FOR_OTHERS_SECS" ]; then
            echo "drill: PostgreSQL is still in use by others after ${waited}s; not stopping it" >&2
            return 1
        fi
        [ "$waited" -eq 0 ] && echo "drill: waiting for other PostgreSQL users to finish..."
        sleep 5
        waited=$((waited + 5))
    done
}

# `cargo nextest run` leaves target/debug/ehealth built (with the tests' features);
# `cargo build` would rebuild much of it with other features, so build only when stale.
if [ -z "${EHEALTH_DRILL_BIN:-}" ] && { [ ! -x "$BIN" ] || [ -n "$(find Cargo.toml Cargo.lock ./*/Cargo.toml src ./*/src migrations \
        -newer "$BIN" -type f -print -quit)" ]; }; then
    log "building the ehealth binary"
    cargo build --quiet --bin ehealth
fi

log "fresh database ${DRILL_DB}"
pg_isready -h "$PG_HOST" -p "$PG_PORT"
psql -X -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS ${DRILL_DB} WITH (FORCE)"
psql -X -q "$ADMIN_URL" -c "CREATE DATABASE ${DRILL_DB}"

api_port="$(free_port)"
ivr_port="$(free_port)"
notifier_port="$(free_port)"
cat >"$work/ehealth.toml" <<EOF
demo_on_first_start = false

[database]
url = "${DRILL_URL}"
pool_size = 8
# Answer 503 after 2 s without a connection rather than the default 5 s.
connect_timeout_secs = 2

[api]
addr = "127.0.0.1:${api_port}"

[ivr]
addr = "127.0.0.1:${ivr_port}"
public_url = "http://127.0.0.1:${ivr_port}"

[notifier]
addr = "127.0.0.1:${notifier_port}"
outbox_dir = "${work}/outbox"
# Every access its own message, so each record view's jobs can be counted.
fold_window_secs = 0
poll_interval_ms = 200
# Jobs whose finish was lost in the crash are claimed again after 10 s, not 60 s.
lease_secs = 10

# Development only: a cheap hash so that the drill spends its time on the database.
[security.argon2]
memory_kib = 1024
iterations = 1
parallelism = 1
EOF
export EHEALTH_CONFIG="$work/ehealth.toml"
export EHEALTH_NOTIFIER_BACKOFF_BASE_MS=200
export EHEALTH_SMS_PER_SENDER_PER_SEC=0
export RUST_LOG="${RUST_LOG:-warn}"
# Everything from the file above; no provider credentials, so every message goes to the
# outbox.
unset DATABASE_URL EHEALTH_API_ADDR EHEALTH_NOTIFIER_ADDR EHEALTH_OUTBOX_DIR \
    EHEALTH_FOLD_WINDOW_SECS EHEALTH_MODE EHEALTH_DEMO TWILIO_ACCOUNT_SID TWILIO_AUTH_TOKEN \
    SMTP_URL FCM_PROJECT_ID FCM_CREDENTIALS_FILE

"$BIN" migrate >/dev/null
"$BIN" demo >"$work/demo.txt"
provider_of() { awk -v name="$1" 'index($0, name) { print $1; exit }' "$work/demo.txt"; }
clinic="$(provider_of "Harbour View Medical Centre")"
dental="$(provider_of "Kowloon Dental Company")"
ehr_number="$(sed -n 's/.*eHR number \([0-9 ]*[0-9]\).*/\1/p' "$work/demo.txt" | tr -d ' ')"
if [ -z "$clinic" ] || [ -z "$dental" ] || [ -z "$ehr_number" ]; then
    echo "drill: cannot read the demo data from:" >&2
    cat "$work/demo.txt" >&2
    exit 1
fi

log "starting ehealth api (:${api_port}), ivr (:${ivr_port}) and notifier (:${notifier_port})"
"$BIN" api >"$work/api.log" 2>&1 &
pids+=("$!")
api_pid=$!
# Only the ivr knows a Twilio token (to check webhook signatures); with no account the
# notifier still writes its SMS into the outbox.
TWILIO_AUTH_TOKEN="$ivr_token" "$BIN" ivr >"$work/ivr.log" 2>&1 &
pids+=("$!")
ivr_pid=$!
"$BIN" notifier >"$work/notifier.log" 2>&1 &
pids+=("$!")
notifier_pid=$!
wait_ready "http://127.0.0.1:${api_port}"
wait_ready "http://127.0.0.1:${ivr_port}"
wait_ready "http://127.0.0.1:${notifier_port}"

log "checking that nobody else is using PostgreSQL"
wait_for_other_users

log "load, crash, recovery"
python3 scripts/postgres-outage-drill.py \
    --api "http://127.0.0.1:${api_port}" \
    --notifier "http://127.0.0.1:${notifier_port}" \
    --ivr "http://127.0.0.1:${ivr_port}" --ivr-auth-token "$ivr_token" \
    --outbox "$work/outbox" \
    --db-url "$DRILL_URL" \
    --bin "$BIN" --config "$work/ehealth.toml" \
    --pg-version "$PG_VERSION" --stop-mode "${DRILL_STOP_MODE:-immediate}" \
    --ehr-number "$ehr_number" --clinic "$clinic" --dental "$dental"

log "the services rode out the outage"
for pid in "$api_pid" "$ivr_pid" "$notifier_pid"; do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "drill: FAILED: process $pid exited during the drill" >&2
        exit 1
    fi
done
echo "api, ivr and notifier still running, the same processes (pids $api_pid, $ivr_pid, $notifier_pid)"
lost_db="$(grep -c 'claiming jobs failed' "$work/notifier.log" || true)"
echo "notifier: ${lost_db} failed claim(s) logged while PostgreSQL was down; it kept polling"
echo "what the services logged as the cause of their 503 answers (count, cause):"
cat "$work/api.log" "$work/ivr.log" | sed 's/\x1b\[[0-9;]*m//g' \
    | sed -n 's/.*database unavailable: \(.\{1,70\}\).*/\1/p' | sort | uniq -c | sort -rn | head -n 8
if [ -n "${DRILL_KEEP_LOGS:-}" ]; then
    mkdir -p "$DRILL_KEEP_LOGS"
    cp "$work"/*.log "$DRILL_KEEP_LOGS"/
fi
echo "drill passed"
