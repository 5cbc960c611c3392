#!/usr/bin/env python3
"""Load driver and checker of the PostgreSQL outage drill (issue #7).

Run by scripts/postgres-outage-drill.sh, which prepares the database and starts
`ehealth api` and `ehealth notifier`. This program:

1. signs in a professional (password + TOTP computed here) and the demo patient (SMS code
   read from the local outbox),
2. runs concurrent clients doing state changes (record views, consent changes), recording
   every request's phase, status, error code and result,
3. crashes PostgreSQL (`stop -m immediate`), waits for /readyz to answer 503, keeps the
   load going, starts PostgreSQL again and waits for /readyz 200 with no restart,
4. stops the load, waits for the notifier to drain the queue and checks that nothing was
   half-written or lost.

Standard library only (Python 3.11), so it needs no build and no packages.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

PHASES = ("before", "down", "starting", "after")


@dataclass
class Outcome:
    client: str
    phase: str
    status: int  # 0: no HTTP answer (connection refused/reset, timeout)
    code: str | None = None
    result: str | None = None  # audit_seq of a record view, id of a consent
    error: str | None = None


@dataclass
class Drill:
    args: argparse.Namespace
    phase: str = "before"
    stop: threading.Event = field(default_factory=threading.Event)
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    timeline: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def record(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    def note(self, what: str) -> None:
        line = f"t={time.monotonic() - self.started:5.1f}s  {what}"
        self.timeline.append(line)
        print(f"  {line}", flush=True)


# --- HTTP -----------------------------------------------------------------------------


def call(method: str, url: str, body: dict | None = None, token: str | None = None,
         timeout: float = 20.0) -> tuple[int, dict | None, str | None]:
    """(status, JSON body, transport error). Status 0 when no HTTP answer came back."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, parse_json(r.read()), None
    except urllib.error.HTTPError as e:
        return e.code, parse_json(e.read()), None
    except (urllib.error.URLError, OSError) as e:
        return 0, None, f"{type(e).__name__}: {e}"


def parse_json(raw: bytes) -> dict | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def error_code(body: dict | None) -> str | None:
    if body and isinstance(body.get("error"), dict):
        return body["error"].get("code")
    return None


def ready_status(base: str) -> int:
    status, _, _ = call("GET", f"{base}/readyz", timeout=10.0)
    return status


# --- Signing in -------------------------------------------------------------------------


def totp(secret_base32: str, at: float) -> str:
    """RFC 6238: SHA-1, 6 digits, 30-second steps (what an authenticator app shows)."""
    key = base64.b32decode(secret_base32.upper() + "=" * (-len(secret_base32) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def sign_in_professional(a: argparse.Namespace) -> str:
    status, body, err = call("POST", f"{a.api}/v1/hcp/sessions", {
        "hcp_id": a.clinic, "username": a.username, "password": a.password,
        "totp_code": totp(a.totp_secret, time.time()),
    })
    if status != 201 or not body:
        sys.exit(f"drill: professional sign-in failed: {status} {body} {err}")
    return body["token"]


def sign_in_patient(a: argparse.Namespace) -> str:
    """The app's SMS sign-in; the code is read from the SMS the notifier wrote."""
    asked_at = time.time() - 1
    status, body, err = call("POST", f"{a.api}/v1/app/sessions/otp", {
        "ehr_number": a.ehr_number, "date_of_birth": a.date_of_birth,
    })
    if status != 202 or not body:
        sys.exit(f"drill: asking for a sign-in code failed: {status} {body} {err}")
    code = wait_for_code(Path(a.outbox) / "sms", asked_at)
    status, session, err = call("POST", f"{a.api}/v1/app/sessions/otp/verify", {
        "challenge_id": body["challenge_id"], "code": code,
    })
    if status != 201 or not session:
        sys.exit(f"drill: patient sign-in failed: {status} {session} {err}")
    return session["token"]


def wait_for_code(sms_dir: Path, since: float) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for f in sorted(sms_dir.glob("*-verification_code-*.txt")):
            if f.stat().st_mtime >= since:
                found = re.search(r"verification code is (\d{6})", f.read_text())
                if found:
                    return found.group(1)
        time.sleep(0.2)
    sys.exit(f"drill: no verification code SMS in {sms_dir} within 30 s")


# --- Load -------------------------------------------------------------------------------


def professional_views(d: Drill, name: str, token: str) -> None:
    body = {"ehr_number": d.args.ehr_number, "purpose": {"reason": "outage drill"},
            "data_types": ["allergies_adrs", "lab_radiology_reports"]}
    while not d.stop.is_set():
        phase = d.phase
        status, answer, err = call("POST", f"{d.args.api}/v1/hcp/record-views", body, token)
        seq = answer.get("audit_seq") if status == 200 and answer else None
        d.record(Outcome(name, phase, status, error_code(answer),
                         None if seq is None else str(seq), err))
        time.sleep(0.02)


def voice_calls(d: Drill, name: str) -> None:
    """Twilio starting calls to the voice line; answered with TwiML whatever happens."""
    url = f"{d.args.ivr}/ivr/voice"
    while not d.stop.is_set():
        phase = d.phase
        params = {"CallSid": f"CA{uuid.uuid4().hex}", "AccountSid": "ACdrill",
                  "From": "+85291234567", "To": "+85230000000", "CallStatus": "ringing"}
        signed = url + "".join(k + v for k, v in sorted(params.items()))
        signature = base64.b64encode(hmac.new(d.args.ivr_auth_token.encode(), signed.encode(),
                                              hashlib.sha1).digest()).decode()
        req = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(),
                                     method="POST")
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
        req.add_header("X-Twilio-Signature", signature)
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                status, text = r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode(errors="replace")
        except (urllib.error.URLError, OSError) as e:
            d.record(Outcome(name, phase, 0, error=f"{type(e).__name__}: {e}"))
            continue
        kind = ("apology" if "went wrong" in text else "twiml") if "<Response>" in text else None
        d.record(Outcome(name, phase, status, kind, None, None if kind else text[:200]))
        time.sleep(0.2)


def patient_consents(d: Drill, name: str, token: str, provider: str) -> None:
    types = ("one_year", "indefinite")
    n = 0
    while not d.stop.is_set():
        phase = d.phase
        status, answer, err = call("PUT", f"{d.args.api}/v1/app/consents/{provider}",
                                   {"type": types[n % 2]}, token)
        consent_id = answer.get("id") if status == 200 and answer else None
        d.record(Outcome(name, phase, status, error_code(answer), consent_id, err))
        n += 1
        time.sleep(0.05)


# --- The outage -------------------------------------------------------------------------


def pg_ctl(a: argparse.Namespace, *action: str) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", a.pg_version, "main",
                    *action], check=True)


def wait_until(what: str, predicate, timeout: float) -> float:
    """Seconds it took; exits the drill when it does not happen in time."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            sys.exit(f"drill: FAILED: {what} did not happen within {timeout:.0f} s")
        time.sleep(0.2)
    return time.monotonic() - started


def wait_for_readiness(d: Drill, status: int, timeout: float) -> None:
    """Polls every service's /readyz at once until each answers `status`."""
    services = {"api": d.args.api, "ivr": d.args.ivr, "notifier": d.args.notifier}
    took: dict[str, float] = {}

    def poll(name: str, base: str) -> None:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if ready_status(base) == status:
                took[name] = time.monotonic() - started
                return
            time.sleep(0.1)

    threads = [threading.Thread(target=poll, args=item) for item in services.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    missing = sorted(set(services) - set(took))
    if missing:
        sys.exit(f"drill: FAILED: /readyz of {missing} did not answer {status} "
                 f"within {timeout:.0f} s")
    d.note(f"/readyz {status}: " + ", ".join(f"{n} after {t:.1f} s" for n, t in took.items()))


def run_outage(d: Drill) -> None:
    a = d.args
    time.sleep(a.before_secs)
    # A checkpoint first keeps the crash recovery (and so the outage) short.
    psql(a, "CHECKPOINT")
    d.phase = "down"
    pg_ctl(a, "stop", "-m", a.stop_mode)
    d.note(f"PostgreSQL stopped (pg_ctlcluster stop -m {a.stop_mode})")
    wait_for_readiness(d, 503, 15)
    time.sleep(a.down_secs)
    d.phase = "starting"
    d.note("starting PostgreSQL again")
    # After a crash PostgreSQL first fsyncs every file of the data directory, which took
    # 9 s here with the test suite's databases about; syncfs does it in one call.
    pg_ctl(a, "start", "--", "-o", "-c recovery_init_sync_method=syncfs")
    d.note("PostgreSQL accepts connections")
    wait_for_readiness(d, 200, 30)
    d.phase = "after"
    d.note("the same api, ivr and notifier processes are ready again")
    time.sleep(a.after_secs)
    d.stop.set()
    d.note("load stopped")


# --- Checks -----------------------------------------------------------------------------


def psql(a: argparse.Namespace, sql: str) -> list[list[str]]:
    out = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\t", a.db_url, "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def check_statuses(d: Drill, failures: list[str]) -> None:
    print("\nrequests per phase (status: count)")
    print(f"  {'phase':<8} {'client':<10} {'2xx':>6} {'503':>6} {'other':>6}")
    for phase in PHASES:
        for client in ("views", "consents"):
            rows = [o for o in d.outcomes if o.phase == phase and o.client.startswith(client)]
            c = Counter("2xx" if 200 <= o.status < 300 else "503" if o.status == 503 else "other"
                        for o in rows)
            print(f"  {phase:<8} {client:<10} {c['2xx']:>6} {c['503']:>6} {c['other']:>6}")
    print("voice line (Twilio webhook answers: TwiML / of which apologies / other)")
    for phase in PHASES:
        rows = [o for o in d.outcomes if o.phase == phase and o.client == "ivr"]
        twiml = sum(1 for o in rows if o.status == 200 and o.code)
        sorry = sum(1 for o in rows if o.code == "apology")
        print(f"  {phase:<8} {twiml:>6} {sorry:>6} {len(rows) - twiml:>6}")
    for o in d.outcomes:
        if o.client == "ivr":
            if o.status != 200 or o.code is None:
                failures.append(f"voice line in phase {o.phase}: status {o.status} without "
                                f"TwiML: {o.error}")
            continue
        if 200 <= o.status < 300:
            continue
        if o.status != 503 or o.code != "service_unavailable":
            failures.append(f"{o.client} in phase {o.phase}: status {o.status}, "
                            f"code {o.code}, {o.error or ''}".rstrip(", "))
    by_phase = {p: [o for o in d.outcomes if o.phase == p and o.client != "ivr"]
                for p in PHASES}
    if not any(o.status == 503 for o in by_phase["down"]):
        failures.append("no request was answered 503 while PostgreSQL was down")
    if not by_phase["after"] or any(not 200 <= o.status < 300 for o in by_phase["after"]):
        failures.append("not every request after recovery succeeded")
    for client in ("views", "consents"):
        if not any(o.client.startswith(client) and 200 <= o.status < 300 for o in by_phase["before"]):
            failures.append(f"no {client} request succeeded before the outage")


def expected_channels(d: Drill) -> list[str]:
    """The demo patient's jobs per event: one per selected means, push if a device."""
    means = psql(d.args, f"SELECT notify_sms, notify_email, notify_post FROM patients "
                         f"WHERE ehr_number = '{d.args.ehr_number}'")[0]
    devices = int(psql(d.args, "SELECT count(*) FROM app_devices")[0][0])
    return sorted([c for c, on in zip(("sms", "email", "post"), means) if on == "t"]
                  + (["push"] if devices else []))


def check_views(d: Drill, failures: list[str]) -> None:
    a = d.args
    expected = expected_channels(d)
    granted = {int(r[0]) for r in psql(
        a, "SELECT seq FROM audit_log WHERE event = 'record_view' AND outcome = 'granted'")}
    answered = {int(o.result) for o in d.outcomes if o.client.startswith("views") and o.result}
    missing = sorted(answered - granted)
    if missing:
        failures.append(f"{len(missing)} record views answered 200 have no granted audit "
                        f"entry, e.g. seq {missing[:5]}")
    channels: dict[int, list[str]] = {}
    for seq, channel in psql(a, "SELECT split_part(dedupe_key, ':', 2), channel "
                                "FROM notification_jobs WHERE job_type = 'record_accessed'"):
        channels.setdefault(int(seq), []).append(channel)
    half = [s for s in sorted(granted) if sorted(channels.get(s, [])) != expected]
    if half:
        failures.append(f"{len(half)} granted record views without exactly their jobs "
                        f"{expected}, e.g. seq {half[:5]}: {[channels.get(s) for s in half[:5]]}")
    orphans = sorted(set(channels) - granted)
    if orphans:
        failures.append(f"notification jobs for record views never granted: seq {orphans[:5]}")
    unanswered = len(granted - answered)
    print(f"\nrecord views: {len(answered)} answered 200, all in the audit log as granted: "
          f"{'yes' if not missing else 'NO'} ({unanswered} more granted whose answer was lost "
          f"in the crash); every granted view has its jobs {expected}: "
          f"{'yes' if not half else 'NO'}")


def check_consents(d: Drill, failures: list[str]) -> None:
    answered = {o.result for o in d.outcomes if o.client.startswith("consents") and o.result}
    stored = {r[0] for r in psql(d.args, "SELECT id FROM sharing_consents")}
    lost = answered - stored
    if lost:
        failures.append(f"{len(lost)} consent changes answered 200 are not in sharing_consents")
    active = psql(d.args, "SELECT provider_id, count(*) FROM sharing_consents "
                          "WHERE status = 'active' GROUP BY provider_id HAVING count(*) > 1")
    if active:
        failures.append(f"more than one active consent for a provider: {active}")
    # Every consent given in the app, answered or not, with its audit entry and its jobs.
    rows = psql(d.args, """
        SELECT c.id, coalesce(a.entries, 0), coalesce(j.channels, '')
        FROM sharing_consents c
        LEFT JOIN (SELECT details::json->>'consent_id' AS id, count(*) AS entries
                   FROM audit_log WHERE event = 'consent_given' GROUP BY 1) a ON a.id = c.id
        LEFT JOIN (SELECT split_part(dedupe_key, ':', 1) AS id,
                          string_agg(channel, ',' ORDER BY channel) AS channels
                   FROM notification_jobs WHERE job_type = 'consent_given' GROUP BY 1) j
               ON j.id = c.id
        WHERE c.channel = 'app'""")
    expected = ",".join(expected_channels(d))
    half = [r for r in rows if r[1] != "1" or r[2] != expected]
    if half:
        failures.append(f"{len(half)} consents without exactly one audit entry and their "
                        f"jobs, e.g. {half[:3]}")
    print(f"consent changes: {len(answered)} answered 200, all in sharing_consents: "
          f"{'yes' if not lost else 'NO'}; every app consent ({len(rows)}) has its audit "
          f"entry and jobs: {'yes' if not half else 'NO'}")


def check_jobs(d: Drill, failures: list[str]) -> None:
    a = d.args
    unfinished = "SELECT count(*) FROM notification_jobs WHERE status <> 'done'"
    try:
        took = wait_until("the notifier draining the queue",
                          lambda: psql(a, unfinished)[0][0] == "0", a.drain_secs)
    except SystemExit as e:
        failures.append(str(e))
        took = a.drain_secs
    counts = dict((s, int(n)) for s, n in psql(
        a, "SELECT status, count(*) FROM notification_jobs GROUP BY status ORDER BY status"))
    print(f"notification jobs after {took:.1f} s of draining: {counts}")
    outbox = Path(a.outbox)
    # The outbox names a file <created>-<job type>-<job id>.txt, one per job.
    files = {f.stem[-36:] for f in outbox.glob("*/*.txt")}
    done = psql(a, "SELECT id, channel FROM notification_jobs WHERE status = 'done'")
    no_file = [(i, c) for i, c in done if i not in files]
    if no_file:
        failures.append(f"{len(no_file)} done jobs have no outbox file, e.g. {no_file[:3]}")
    print(f"done jobs with their outbox file: {len(done) - len(no_file)} of {len(done)}")


def check_audit_chain(d: Drill, failures: list[str]) -> None:
    r = subprocess.run([d.args.bin, "--config", d.args.config, "audit", "verify"],
                       capture_output=True, text=True)
    print(f"ehealth audit verify: {r.stdout.strip() or r.stderr.strip()}")
    if r.returncode != 0:
        failures.append(f"ehealth audit verify failed ({r.returncode})")


# --- Main -------------------------------------------------------------------------------


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("api", "notifier", "ivr", "ivr-auth-token", "outbox", "db-url", "bin", "config", "pg-version",
                 "ehr-number", "clinic", "dental"):
        p.add_argument(f"--{name}", required=True)
    p.add_argument("--date-of-birth", default="1980-01-01")
    p.add_argument("--username", default="drchan")
    p.add_argument("--password", default="demo-password-2026")
    p.add_argument("--totp-secret", default="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    p.add_argument("--stop-mode", choices=("immediate", "fast"), default="immediate",
                   help="immediate: a crash (the default, the harsher test); fast: a clean stop")
    p.add_argument("--viewers", type=int, default=3)
    p.add_argument("--before-secs", type=float, default=8)
    p.add_argument("--down-secs", type=float, default=4)
    p.add_argument("--after-secs", type=float, default=8)
    p.add_argument("--drain-secs", type=float, default=90)
    a = p.parse_args()

    d = Drill(a)
    professional = sign_in_professional(a)
    patient = sign_in_patient(a)
    print("signed in: drchan (password + TOTP), the demo patient (SMS code from the outbox)")
    clients = [threading.Thread(target=professional_views, args=(d, f"views-{i}", professional))
               for i in range(a.viewers)]
    clients += [threading.Thread(target=patient_consents, args=(d, f"consents-{hcp}", patient, hcp))
                for hcp in (a.clinic, a.dental)]
    clients.append(threading.Thread(target=voice_calls, args=(d, "ivr")))
    d.note(f"load started: {a.viewers} professionals viewing, 1 patient changing 2 consents, "
           f"calls to the voice line")
    for c in clients:
        c.start()
    try:
        run_outage(d)
    finally:
        d.stop.set()
        for c in clients:
            c.join()

    failures: list[str] = []
    check_statuses(d, failures)
    check_views(d, failures)
    check_consents(d, failures)
    check_jobs(d, failures)
    check_audit_chain(d, failures)
    if failures:
        print("\nDRILL FAILED:")
        for f in failures[:40]:
            print(f"  - {f}")
        if len(failures) > 40:
            print(f"  ... and {len(failures) - 40} more")
        return 1
    print("\ndrill passed: 503 while down, recovery without restart, nothing half-written or lost")
    return 0


if __name__ == "__main__":
    sys.exit(main())
