#!/usr/bin/env python3
"""Validates exported FHIR R4 JSON files with an independent implementation.

Usage: fhir-validate.py FILE...   (each a Bundle or an OperationOutcome)

`fhir.resources` 6.1.x (FHIR 4.0.1; scripts/ci-deps.sh installs it in /opt/ehealth-fhir)
parses every resource: element names, types, cardinalities, primitive formats (id,
instant, uri...). It does not check codes against value sets, so the codes of the R4
elements with a *required* binding that we emit are checked here, as are the Bundle's
fullUrls (RFC 4122 UUIDs). Prints one line per file; exits 1 on the first problem.
`--check-import` only tells whether fhir.resources is importable (exit 0 or 3).
"""
import json
import sys
import uuid

try:
    import fhir.resources
    from fhir.resources.bundle import Bundle
    from fhir.resources.operationoutcome import OperationOutcome
except ImportError as e:  # the caller decides whether that is a failure
    if "--check-import" in sys.argv:
        sys.exit(3)
    print(f"fhir.resources is not installed: {e}", file=sys.stderr)
    sys.exit(3)

# The R4 (4.0.1) required bindings of the elements we fill.
REQUIRED = {
    "Bundle.type": {"document", "message", "transaction", "transaction-response", "batch",
                    "batch-response", "history", "searchset", "collection"},
    "Bundle.entry.search.mode": {"match", "include", "outcome"},
    "Consent.status": {"draft", "proposed", "active", "rejected", "inactive", "entered-in-error"},
    "Consent.provision.type": {"deny", "permit"},
    "AuditEvent.action": {"C", "R", "U", "D", "E"},
    "AuditEvent.outcome": {"0", "4", "8", "12"},
    "OperationOutcome.issue.severity": {"fatal", "error", "warning", "information"},
    "OperationOutcome.issue.code": {
        "invalid", "structure", "required", "value", "invariant", "security", "login",
        "unknown", "expired", "forbidden", "suppressed", "processing", "not-supported",
        "duplicate", "multiple-matches", "not-found", "deleted", "too-long", "code-invalid",
        "extension", "too-costly", "business-rule", "conflict", "transient", "lock-error",
        "no-store", "exception", "timeout", "incomplete", "throttled", "informational"},
}
# Reference.type is bound (extensible, but must be a resource type) - we use these.
RESOURCE_TYPES = {"Practitioner", "PractitionerRole", "Organization", "Patient", "Device",
                  "RelatedPerson", "Location"}


def need(path, value):
    if value not in REQUIRED[path]:
        raise ValueError(f"{path}: {value!r} is not in its required value set")


def check_reference(where, ref):
    if ref is not None and "type" in ref and ref["type"] not in RESOURCE_TYPES:
        raise ValueError(f"{where}.type: {ref['type']!r} is not a resource type")


def check_consent(c):
    need("Consent.status", c["status"])
    need("Consent.provision.type", c["provision"]["type"])


def check_audit_event(a):
    need("AuditEvent.action", a["action"])
    need("AuditEvent.outcome", a["outcome"])
    for i, agent in enumerate(a["agent"]):
        if "location" in agent:
            raise ValueError("AuditEvent.agent.location must be a Location")
        check_reference(f"AuditEvent.agent[{i}].who", agent.get("who"))


def check_bundle(b):
    Bundle.parse_obj(b)
    need("Bundle.type", b["type"])
    for e in b.get("entry", []):
        full_url = e["fullUrl"]
        if not full_url.startswith("urn:uuid:"):
            raise ValueError(f"fullUrl {full_url!r} is not urn:uuid:")
        u = uuid.UUID(full_url[len("urn:uuid:"):])
        if u.variant != uuid.RFC_4122 or str(u) != full_url[len("urn:uuid:"):]:
            raise ValueError(f"fullUrl {full_url!r} is not an RFC 4122 UUID")
        need("Bundle.entry.search.mode", e["search"]["mode"])
        r = e["resource"]
        {"Consent": check_consent, "AuditEvent": check_audit_event}[r["resourceType"]](r)
    return len(b.get("entry", []))


def check_outcome(o):
    OperationOutcome.parse_obj(o)
    for issue in o["issue"]:
        need("OperationOutcome.issue.severity", issue["severity"])
        need("OperationOutcome.issue.code", issue["code"])
    return len(o["issue"])


def main(paths):
    if paths == ["--check-import"]:
        return 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        kind = doc.get("resourceType")
        try:
            n = {"Bundle": check_bundle, "OperationOutcome": check_outcome}[kind](doc)
        except Exception as e:  # pydantic's ValidationError, our ValueError, a KeyError
            print(f"{path}: INVALID {kind}: {e}")
            return 1
        print(f"{path}: valid FHIR R4 {kind} ({n} items, fhir.resources {fhir.resources.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
