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
    # cargo-deny names its clone of the default database this way (cargo-deny 0.20).
    target_dir="$db_root/advisory-db-3157b0e258782691"
    rm -rf "$target_dir"
    git clone --quiet "$EHEALTH_ADVISORY_DB" "$target_dir"
fi

db=$(ls -d "$db_root"/advisory-db-* 2>/dev/null | head -1 || true)
if cargo deny --log-level error fetch db 2>/tmp/ehealth-deny-fetch.log; then
    db=$(ls -d "$db_root"/advisory-db-* | head -1)
    echo "advisories: RustSec database updated from its clone's origin ($(git -C "$db" remote get-url origin)), as of $(git -C "$db" log -1 --format=%cs)"
elif [ -n "$db" ]; then
    echo "advisories: the RustSec database cannot be fetched here; using the copy of" \
        "$(git -C "$db" log -1 --format=%cs 2>/dev/null || echo 'unknown date') ($db)"
else
    echo "advisories: SKIPPED: the RustSec database cannot be fetched here and no copy is on this machine" >&2
    sed -n 1,3p /tmp/ehealth-deny-fetch.log >&2
    [ "${EHEALTH_ADVISORIES:-}" = "required" ] && exit 1
    exit 0
fi
cargo deny --log-level error --offline check advisories
