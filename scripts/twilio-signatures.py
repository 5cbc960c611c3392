#!/usr/bin/env python3
"""Signs and validates webhooks with Twilio's own helper library (the `twilio` package,
`twilio.request_validator.RequestValidator`), for the e2e tests that check the voice line
accepts exactly what Twilio's validator accepts.

Reads a JSON list of cases on stdin, each
  {"key": ..., "signed_url": ..., "checked_url": ..., "params": [[name, value], ...],
   "algorithm": "HMAC_SHA1" | "HMAC_SHA256"}
and writes a JSON list of {"signature": <over signed_url>, "valid": <Twilio's verdict
for that signature on checked_url>}. Exits 3 if the twilio package is missing.
"""
import json
import sys

try:
    from twilio.request_validator import RequestValidator
except ImportError:
    sys.stderr.write("the twilio package is not installed (pip install twilio)\n")
    sys.exit(3)


def multidict(pairs):
    """Twilio's validator takes a dict, or a MultiDict with getall for repeated names."""

    class Params(dict):
        def getall(self, name):
            return [v for k, v in pairs if k == name]

    params = Params()
    for name, value in pairs:
        params[name] = value
    return params


def main():
    out = []
    for case in json.load(sys.stdin):
        validator = RequestValidator(case["key"])
        params = multidict(case["params"])
        algorithm = case.get("algorithm", "HMAC_SHA1")
        signature = validator.compute_signature(case["signed_url"], params, algorithm)
        valid = validator.validate(case["checked_url"], params, signature, algorithm)
        out.append({"signature": signature, "valid": bool(valid)})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
