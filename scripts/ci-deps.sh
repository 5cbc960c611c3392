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
