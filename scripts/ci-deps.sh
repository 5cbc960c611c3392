#!/usr/bin/env bash
# Packages the notifier's tests need beyond cargo: a real SMTP server (aiosmtpd) that
# the e2e tests start on loopback, and openssl to make a throwaway service-account key
# for the FCM tests (whose JWT assertion Google's own auth library, google-auth, checks),
# and a CJK font for the postal batch. Twilio's Python helper library signs and validates
# the voice line's webhooks in the e2e tests (ivr::twilio_sdk).
set -euo pipefail
python3 -m pip install --quiet aiosmtpd openapi-spec-validator google-auth
python3 -m pip install --quiet twilio
if ! command -v openssl >/dev/null; then
  apt-get update -qq && apt-get install -y -qq openssl
fi
# A TrueType collection with Latin and CJK glyphs for the postal print batch's PDF
# (EHEALTH_POSTAL_FONT defaults to it).
if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
  apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei
fi
# An independent FHIR R4 implementation for tests/e2e/hcp/fhir.rs: fhir.resources 6.1.x is
# FHIR 4.0.1 (later 6.x are R4B) and needs pydantic 1, so it gets a virtualenv of its own
# (the system Python keeps pydantic 2 for openapi-spec-validator).
if ! /opt/ehealth-fhir/bin/python3 -c "import fhir.resources" >/dev/null 2>&1; then
  python3 -m venv /opt/ehealth-fhir
  /opt/ehealth-fhir/bin/python3 -m pip install --quiet "fhir.resources==6.1.*" "pydantic>=1.7.2,<2"
fi
