#!/usr/bin/env bash
# Twilio's part on a developer's machine: posts one voice-line webhook to the ivr, signed
# as Twilio signs it (HMAC-SHA1 over the public URL and the sorted parameters, base64),
# and prints the TwiML answer. Follow each answer's <Gather action="..."> with the next.
#
# usage: scripts/ivr-say.sh PATH [NAME=VALUE ...]
#   scripts/ivr-say.sh /ivr/voice CallSid=CA0001 From=+85291234567
#   scripts/ivr-say.sh '/ivr/voice/language?n=1' CallSid=CA0001 From=+85291234567 Digits=2
# Environment: IVR (default http://127.0.0.1:8081), EHEALTH_IVR_PUBLIC_URL (default: IVR),
# TWILIO_AUTH_TOKEN (default: the development token the ivr uses when none is set).
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,11p' "$0"; exit 2; }
path=$1
shift
ivr=${IVR:-http://127.0.0.1:8081}
public=${EHEALTH_IVR_PUBLIC_URL:-$ivr}
token=${TWILIO_AUTH_TOKEN:-ehealth-development-twilio-token}
signed="${public%/}$path"
args=()
while IFS= read -r pair; do
    [ -n "$pair" ] || continue
    signed+="${pair%%=*}${pair#*=}"
    args+=(--data-urlencode "$pair")
done < <(printf '%s\n' "$@" | LC_ALL=C sort -t= -k1,1)
signature=$(printf '%s' "$signed" | openssl dgst -sha1 -hmac "$token" -binary | base64)
curl -sS -X POST -H "X-Twilio-Signature: $signature" "${args[@]}" "$ivr$path"
echo
