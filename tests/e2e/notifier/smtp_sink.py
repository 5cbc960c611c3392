"""A real SMTP server on loopback for the notifier's tests (aiosmtpd).

Writes each accepted message to DIR/msg-<n>.eml, and what a reader sees of it (decoded
headers and parts) to DIR/msg-<n>.json. Outage drill: while DIR/fail holds a
number N > 0, the next N messages are answered 451 (try later) and N counts down; while
DIR/reject exists every message is answered 550 (refused for good).

usage: python3 smtp_sink.py PORT DIR
"""
import asyncio
import email
import email.policy
import itertools
import json
import os
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.counter = itertools.count(1)

    def _take_failure(self):
        path = os.path.join(self.folder, "fail")
        try:
            with open(path) as f:
                left = int(f.read().strip() or "0")
        except (FileNotFoundError, ValueError):
            return False
        if left <= 0:
            return False
        with open(path, "w") as f:
            f.write(str(left - 1))
        return True

    async def handle_DATA(self, server, session, envelope):
        if os.path.exists(os.path.join(self.folder, "reject")):
            return "550 5.1.1 mailbox unavailable"
        if self._take_failure():
            return "451 4.3.0 try again later"
        n = next(self.counter)
        raw = envelope.original_content or envelope.content
        self._write(f"msg-{n}.eml", raw)
        self._write(f"msg-{n}.json", json.dumps(summary(envelope, raw)).encode())
        return "250 OK"

    def _write(self, name, data):
        tmp = os.path.join(self.folder, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(self.folder, name))


def summary(envelope, raw):
    message = email.message_from_bytes(raw, policy=email.policy.default)
    parts = {}
    for part in message.walk():
        if not part.is_multipart():
            parts[part.get_content_type()] = part.get_content()
    return {
        "mail_from": envelope.mail_from,
        "rcpt_tos": envelope.rcpt_tos,
        "from": str(message["From"]),
        "to": str(message["To"]),
        "subject": str(message["Subject"]),
        "message_id": str(message["Message-ID"]),
        "content_type": message.get_content_type(),
        "parts": parts,
    }


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        asyncio.get_event_loop().run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
