#!/usr/bin/env bash
# cargo deny check (deny.toml): licences, bans and sources always; advisories against the
# RustSec advisory database, which is a git repository on GitHub. Where GitHub cannot be
# reached (this project's CI), the check uses a copy already on the machine
# ($CARGO_HOME/advisory-dbs, as cargo-deny keeps it, or EHEALTH_ADVISORY_DB=DIR, a clone of
# the database to copy there) without fetching, and says how old it is; with no copy at
# all it says so and skips only the advisories, unless EHEALTH_ADVISORIES=required.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo deny --log-level error check licenses bans sources

db_root="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs"
if [ -n "${EHEALTH_ADVISORY_DB:-}" ]; then
    mkdir -p "$db_root"
    # cargo-deny names its clone of the default database this way (cargo-deny 0.18).
    target_dir="$db_root/advisory-db-3157b0e258782691"
    rm -rf "$target_dir"
    git clone --quiet "$EHEALTH_ADVISORY_DB" "$target_dir"
fi

if cargo deny --log-level error check advisories 2>/tmp/ehealth-deny-fetch.log; then
    echo "advisories: checked against a freshly fetched RustSec database"
    exit 0
fi
if grep -qE "error\[A|vulnerab|unmaintained|unsound|yanked" /tmp/ehealth-deny-fetch.log; then
    cat /tmp/ehealth-deny-fetch.log >&2
    exit 1
fi
db=$(ls -d "$db_root"/advisory-db-* 2>/dev/null | head -1 || true)
if [ -n "$db" ]; then
    when=$(git -C "$db" log -1 --format=%cs 2>/dev/null || echo "unknown date")
    echo "advisories: the RustSec database cannot be fetched; checking against the copy of $when ($db)"
    cargo deny --log-level error check --disable-fetch advisories
    exit 0
fi
echo "advisories: SKIPPED: the RustSec database cannot be fetched here and no copy is on this machine" >&2
sed -n 1,5p /tmp/ehealth-deny-fetch.log >&2
if [ "${EHEALTH_ADVISORIES:-}" = "required" ]; then
    exit 1
fi
