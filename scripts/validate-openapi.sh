#!/usr/bin/env bash
# Validates the api's /openapi.json against the OpenAPI 3 specification with
# openapi-spec-validator (PyPI), the reference validator. Starts the debug binary on a
# scratch SQLite database. Exit status 0 when the document is valid.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -c 'import openapi_spec_validator' 2>/dev/null || python3 -m pip install --quiet openapi-spec-validator
# EHEALTH_BIN: a binary already built (e.g. by the test suite), to skip the build.
bin="${EHEALTH_BIN:-}"
if [ -z "$bin" ]; then
    cargo build --bin ehealth
    bin="$PWD/target/debug/ehealth"
fi
work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
DATABASE_URL="sqlite://$work/ehealth.db" EHEALTH_DEMO=0 EHEALTH_API_ADDR="127.0.0.1:$port" \
    EHEALTH_OUTBOX_DIR="$work/outbox" "$bin" api > "$work/api.log" 2>&1 &
pid=$!
for _ in $(seq 1 50); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
    sleep 0.2
done
curl -sf "http://127.0.0.1:$port/openapi.json" -o "$work/openapi.json"
python3 - "$work/openapi.json" <<'PY'
import json, sys
from openapi_spec_validator import validate
doc = json.load(open(sys.argv[1]))
validate(doc)
print(f"openapi.json is valid OpenAPI {doc['openapi']}: {len(doc['paths'])} paths")
PY
