#!/usr/bin/env bash
# What CI runs beyond `cargo test` (which needs nothing but cargo): the optional Python
# peers that check our code with the other side's own implementation, made mandatory in
# .ci/run, and the tools of CI's own steps.
# - google-auth: Google's auth library checks the FCM tests' JWT assertion
#   (EHEALTH_TEST_GOOGLE_AUTH=required);
# - twilio: Twilio's helper library signs and validates the voice line's webhooks
#   (ivr::twilio_sdk, EHEALTH_TEST_TWILIO_SDK=required);
# - fhir.resources: an independent FHIR R4 implementation (EHEALTH_TEST_FHIR=required);
# - openapi-spec-validator: scripts/validate-openapi.sh;
# - openssl: scripts/ivr-say.sh signs the README walkthrough's voice-line webhooks with it.
# The SMTP peer, the FCM test key and the postal font come with cargo and the repository.
set -euo pipefail
python3 -m pip install --quiet openapi-spec-validator google-auth
python3 -m pip install --quiet twilio
if ! command -v openssl >/dev/null; then
  apt-get update -qq && apt-get install -y -qq openssl
fi
# An independent FHIR R4 implementation for tests/e2e/hcp/fhir.rs: fhir.resources 6.1.x is
# FHIR 4.0.1 (later 6.x are R4B) and needs pydantic 1, so it gets a virtualenv of its own
# (the system Python keeps pydantic 2 for openapi-spec-validator).
if ! /opt/ehealth-fhir/bin/python3 -c "import fhir.resources" >/dev/null 2>&1; then
  python3 -m venv /opt/ehealth-fhir
  /opt/ehealth-fhir/bin/python3 -m pip install --quiet "fhir.resources==6.1.*" "pydantic>=1.7.2,<2"
fi
