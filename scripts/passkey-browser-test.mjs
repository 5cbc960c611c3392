// Drives the passkey demo page (/passkey-demo) in headless Chromium with a DevTools
// virtual authenticator (WebAuthn domain): the browser's own WebAuthn, the page's own
// calls. 1. A platform authenticator that stores discoverable credentials: sign in by
// SMS code, enrol, sign in usernameless. 2. One that cannot (`hasResidentKey: false`, a
// security key): enrol, sign in by eHR number.
//
// Environment: BASE (api URL on localhost), CHROMIUM, EHR, DOB, OUTBOX (the notifier's
// outbox folder, for the SMS code), PROFILE_DIR (a fresh --user-data-dir).
import { readdir, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { Cdp, check, env, launch } from "./cdp.mjs";

const ehr = env("EHR");

// Fills fields by id, submits the form, and waits until the page's status changes.
async function submit(page, formId, fields = {}) {
  const sets = Object.entries(fields)
    .map(([id, v]) => `document.getElementById(${JSON.stringify(id)}).value = ${JSON.stringify(v)};`)
    .join("");
  await page.eval(`document.getElementById("status").textContent = ""; ${sets}
    document.getElementById(${JSON.stringify(formId)}).requestSubmit();`);
  for (let i = 0; i < 150; i++) {
    const status = await page.eval(`document.getElementById("status").textContent`);
    if (status) return status;
    await sleep(100);
  }
  throw new Error(`no answer on the page after submitting ${formId}`);
}

// The sign-in code the notifier wrote to the outbox (it polls its queue every second).
async function smsCode() {
  for (let i = 0; i < 100; i++) {
    const files = await readdir(`${env("OUTBOX")}/sms`).catch(() => []);
    const file = files.find((f) => f.includes("verification_code"));
    if (file) {
      const code = (await readFile(`${env("OUTBOX")}/sms/${file}`, "utf8")).match(/code is (\d{6})/);
      if (code) return code[1];
    }
    await sleep(100);
  }
  throw new Error("no sign-in code in the outbox");
}

async function authenticator(page, hasResidentKey) {
  const { authenticatorId } = await page.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2", transport: hasResidentKey ? "internal" : "usb", hasResidentKey,
      hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true,
    },
  });
  return authenticatorId;
}

const { chrome, ws } = await launch(env("CHROMIUM"), env("PROFILE_DIR"));
try {
  const page = new Cdp(ws);
  await page.open();
  await page.send("Page.enable");
  await page.send("WebAuthn.enable");
  await page.navigate(`${env("BASE")}/passkey-demo`);
  check((await page.eval("document.title")).includes("Passkey demo"), "the passkey demo page is served");

  check(await submit(page, "otp-start", { "otp-ehr": ehr, "otp-dob": env("DOB") }) === "code sent", "an SMS code is sent");
  check(await submit(page, "otp-verify", { "otp-code": await smsCode() }) === "signed in by code", "the patient signs in by code");

  const platform = await authenticator(page, true);
  let status = await submit(page, "enrol", { "enrol-name": "phone" });
  check(status === "enrolled: discoverable", `a platform authenticator enrols a discoverable passkey (${status})`);
  const { credentials } = await page.send("WebAuthn.getCredentials", { authenticatorId: platform });
  check(credentials.length === 1 && credentials[0].isResidentCredential, "the authenticator stored a resident credential");
  status = await submit(page, "passkey", { "passkey-ehr": "" });
  check(status === `signed in with a passkey as ${ehr}`, `usernameless sign-in with it (${status})`);
  status = await submit(page, "passkey", { "passkey-ehr": ehr });
  check(status === `signed in with a passkey as ${ehr}`, `sign-in with it by eHR number (${status})`);
  await page.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId: platform });

  const key = await authenticator(page, false);
  status = await submit(page, "enrol", { "enrol-name": "security key" });
  check(status === "enrolled: by eHR number only", `a key without resident storage still enrols (${status})`);
  const stored = await page.send("WebAuthn.getCredentials", { authenticatorId: key });
  check(stored.credentials.length === 1 && !stored.credentials[0].isResidentCredential, "its credential is not discoverable");
  status = await submit(page, "passkey", { "passkey-ehr": ehr });
  check(status === `signed in with a passkey as ${ehr}`, `it signs in by eHR number (${status})`);
  console.log("passkey browser test passed");
} finally {
  chrome.kill();
}
