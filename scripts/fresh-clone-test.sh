#!/usr/bin/env bash
# The fresh-machine check (issue 17): the README's test command, `cargo test --workspace`,
# in a clean clone of this checkout, in an environment that has a Rust toolchain, a C
# compiler (gcc, make, perl: Debian's build-essential) and git, and nothing else: no
# cargo-nextest, no python3, no openssl command, no installed font, no pkg-config, no
# PostgreSQL client tools, and none of this machine's EHEALTH_* variables. It fails if the
# tests need anything beyond that.
#
# It shares the build's target directory (CARGO_TARGET_DIR, default ./target), so the
# dependencies are not built again; only the workspace's own crates are, because their
# sources sit at another path. PostgreSQL is a server, not an install step: when one
# answers at 127.0.0.1:5432 the PostgreSQL half runs, as it would for a new developer.
#
# With --in-place it runs in this checkout instead of a clone when the checkout is clean
# (nothing changed or untracked but ignored build output; otherwise it clones): `.ci/run`
# uses it, because CI's checkout is itself a fresh clone of main, and a clone at another
# path would build the workspace's crates a second time.
#
# usage: scripts/fresh-clone-test.sh [--in-place] [extra cargo test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
target=${CARGO_TARGET_DIR:-$here/target}
case "$target" in /*) ;; *) target="$here/$target" ;; esac

in_place=0
if [ "${1:-}" = "--in-place" ]; then
    in_place=1
    shift
fi
work=$(mktemp -d /tmp/ehealth-fresh.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [ "$in_place" = 1 ] && [ -n "$(git status --porcelain)" ]; then
    echo "fresh-clone-test: the checkout is not clean, so a clean clone is tested instead" \
        "(its crates are built again); git status shows:" >&2
    git status --short >&2
    in_place=0
fi
if [ "$in_place" = 1 ]; then
    tree="$here"
else
    git clone --quiet --no-hardlinks "$here" "$work/ehealth"
    tree="$work/ehealth"
fi

# A PATH of exactly the tools a Rust developer's machine has: the toolchain (found through
# rustup, as `cargo` resolves it here) and the C toolchain.
bin="$work/bin"
mkdir -p "$bin"
toolchain_bin=$(dirname "$(rustup which cargo 2>/dev/null || command -v cargo)")
for tool in cargo rustc rustdoc; do
    ln -s "$toolchain_bin/$tool" "$bin/$tool"
done
for tool in cc gcc c++ g++ cpp ld as ar ranlib strip nm objcopy make perl git \
            sh bash env uname cat rm mkdir cp mv ln ls chmod sed grep tr head tail; do
    path=$(command -v "$tool" || true)
    if [ -n "$path" ] && [ "${path#/}" != "$path" ]; then
        ln -s "$path" "$bin/$tool"
    fi
done
for banned in cargo-nextest python3 python openssl pkg-config pg_dump psql; do
    if [ -e "$bin/$banned" ]; then
        echo "fresh-clone-test: $banned must not be on the PATH" >&2
        exit 1
    fi
done
# gcc finds its own helpers (cc1, collect2) by its install path, not by PATH.

fresh_home="$work/home"
mkdir -p "$fresh_home"
started=$(date +%s)
set +e
(
    cd "$tree"
    env -i \
        HOME="$fresh_home" \
        PATH="$bin" \
        CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" \
        RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" \
        RUSTUP_TOOLCHAIN="$(basename "$(dirname "$toolchain_bin")")" \
        CARGO_TARGET_DIR="$target" \
        TMPDIR=/tmp \
        LANG=C.UTF-8 \
        cargo test --workspace "$@"
) 2>&1 | tee "$work/test.log"
status=${PIPESTATUS[0]}
set -e
echo "fresh-clone-test: cargo test --workspace exited $status after $(( $(date +%s) - started )) s"
grep -E '^(test result:|     Running|   Doc-tests)' "$work/test.log" || true
if [ "$status" -ne 0 ]; then
    exit "$status"
fi
if grep -q 'postgres_suite_status' "$work/test.log"; then
    grep -m1 'postgres_suite_status' "$work/test.log" || true
fi
