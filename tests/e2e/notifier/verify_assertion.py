"""Verifies a service-account JWT assertion with Google's own auth library (google-auth):
the public key (PEM: PKCS#1 or an X.509 certificate) is picked by the header's `kid`, and the signature, `iat`/`exp` and the
audience are checked. Prints the header and claims as JSON.

Usage: verify_assertion.py PUBLIC_KEY.pem KEY_ID AUDIENCE < assertion
"""
import json
import sys

from google.auth import jwt


def main():
    key_file, key_id, audience = sys.argv[1:4]
    with open(key_file) as f:
        cert = f.read()
    assertion = sys.stdin.read().strip()
    claims = jwt.decode(assertion, certs={key_id: cert}, audience=audience)
    header = jwt.decode_header(assertion)
    print(json.dumps({"header": header, "claims": claims}))


if __name__ == "__main__":
    main()
