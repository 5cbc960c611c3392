// The passkey flows of the patient app, in a browser (the reference for the app teams;
// docs/patient-app.md). Every call is the app's own /v1/app call; the WebAuthn JSON goes
// through the browser's PublicKeyCredential.parse*OptionsFromJSON and toJSON() unchanged.
"use strict";

let token = null; // the app session (bearer token) from the SMS-code sign-in
let challengeId = null;

const $ = (id) => document.getElementById(id);

function show(status, detail) {
  $("status").textContent = status;
  $("log").textContent = detail === undefined ? "" : JSON.stringify(detail, null, 2);
}

async function call(path, body, bearer) {
  const headers = { "content-type": "application/json" };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const r = await fetch(path, { method: "POST", headers, body: JSON.stringify(body ?? {}) });
  const json = await r.json().catch(() => ({}));
  if (!r.ok) throw Object.assign(new Error(json.error?.message ?? r.statusText), { body: json });
  return json;
}

// Runs one flow; the page shows "error: ..." (and the error body) if it fails.
function flow(formId, run) {
  $(formId).addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await run();
    } catch (e) {
      show(`error: ${e.name === "Error" ? "" : e.name + ": "}${e.message}`, e.body);
    }
  });
}

flow("otp-start", async () => {
  const r = await call("/v1/app/sessions/otp", { ehr_number: $("otp-ehr").value, date_of_birth: $("otp-dob").value });
  challengeId = r.challenge_id;
  show("code sent");
});

flow("otp-verify", async () => {
  const r = await call("/v1/app/sessions/otp/verify", { challenge_id: challengeId, code: $("otp-code").value });
  token = r.token;
  show("signed in by code");
});

flow("enrol", async () => {
  // The answer is {ceremony_id, options: {publicKey}}: unwrap options.publicKey.
  const started = await call("/v1/app/passkeys/registration/start", {}, token);
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(started.options.publicKey);
  const credential = await navigator.credentials.create({ publicKey });
  const enrolled = await call("/v1/app/passkeys/registration/finish", {
    ceremony_id: started.ceremony_id, name: $("enrol-name").value, credential: credential.toJSON(),
  }, token);
  show(`enrolled: ${enrolled.discoverable ? "discoverable" : "by eHR number only"}`, enrolled);
});

flow("passkey", async () => {
  // With an eHR number the options list that patient's credentials; without, none (the
  // passkey names its user). A button sends no `mediation`; an autofill field would
  // call get() early with mediation: "conditional".
  const ehr = $("passkey-ehr").value.trim();
  const started = await call("/v1/app/sessions/passkey/start", ehr ? { ehr_number: ehr } : {});
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(started.options.publicKey);
  const credential = await navigator.credentials.get({ publicKey });
  const session = await call("/v1/app/sessions/passkey/finish", {
    ceremony_id: started.ceremony_id, credential: credential.toJSON(),
  });
  const me = await fetch("/v1/app/me", { headers: { authorization: `Bearer ${session.token}` } });
  const who = await me.json();
  show(`signed in with a passkey as ${who.ehr_number}`, { token_type: session.token_type, ehr_number: who.ehr_number });
});
