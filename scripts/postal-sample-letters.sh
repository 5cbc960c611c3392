#!/usr/bin/env bash
# Renders page 1 of a sample letter in each language to docs/images/letter-<lang>.png
# (docs/notifier.md): three letters queued in a throwaway SQLite database, printed by
# `ehealth postal batch`, rasterised with pdftoppm (Debian's poppler-utils).
# Usage: scripts/postal-sample-letters.sh [path/to/ehealth]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/ehealth}
command -v pdftoppm >/dev/null || { apt-get update -qq && apt-get install -y -qq poppler-utils; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DATABASE_URL="sqlite://$work/letters.db" EHEALTH_DEMO=0
"$bin" migrate >/dev/null 2>&1
python3 - "$work/letters.db" <<'PY'
import sqlite3, sys
rows = [
    ("en", "CHAN Tai Man", "Flat A, 12/F, Block 3, Harbour View Gardens, 1 Harbour Road, Wan Chai, Hong Kong",
     "Your new access key",
     "Your new eHealth access key is 482913. Keep it secret; the old key no longer works.\n"
     "Time: 2026-12-01 09:15. Enquiries: eHealth hotline 3467 6300."),
    ("zh-Hant", "陳大文", "香港灣仔港灣道1號港景花園3座12樓A室", "閣下的新存取密碼",
     "閣下的新醫健通存取密碼為 482913。請妥善保密；舊密碼已失效。\n時間：2026-12-01 09:15。查詢：醫健通熱線 3467 6300。"),
    ("zh-Hans", "陈大文", "香港湾仔港湾道1号港景花园3座12楼A室", "阁下的新存取密码",
     "阁下的新医健通存取密码为 482913。请妥善保密；旧密码已失效。\n时间：2026-12-01 09:15。查询：医健通热线 3467 6300。"),
]
db = sqlite3.connect(sys.argv[1])
for i, (lang, name, address, subject, body) in enumerate(rows):
    db.execute(
        "INSERT INTO postal_letters (job_id, mailing_date, recipient_name, address, language,"
        " subject, body, created_at) VALUES (?, '2026-12-01', ?, ?, ?, ?, ?, ?)",
        (f"sample-{lang}", name, address, lang, subject, body, f"2026-12-01 01:00:0{i}"))
db.commit()
PY
"$bin" postal batch --date 2026-12-01 --out "$work" >/dev/null
mkdir -p docs/images
page=0
for lang in en zh-Hant zh-Hans; do  # page order = the order queued above
  page=$((page + 1))
  pdftoppm -r 72 -png -f "$page" -l "$page" -singlefile \
    "$work/ehealth-letters-2026-12-01-run0001.pdf" "docs/images/letter-$lang"
done
ls -l docs/images/letter-*.png
