// Walks the eHR portal (/counter) in headless Chromium over the DevTools protocol (no npm
// packages at run time but axe-core, whose axe.min.js the shell script installs and names
// in AXE_JS): a front desk's day in both languages. Signs in with a TOTP code computed
// from the demo secret; finds a pending applicant (applied through the app's API, the
// SMS code read from the notifier's outbox) by HKIC and verifies them with consent; finds
// the demo patient by eHR number, takes consent with a wrong then the right access key,
// views the records (a restricted type withheld), records a signed consent form, shares a
// record (a wrong document first); switches to Traditional Chinese, finds the patient by
// HKIC, revokes at the patient's request, signs out; the clinic's user administrator
// creates an HCProf account and enrols its authenticator (the secret read from the page,
// its code computed), and the new professional signs in with it. On every page axe-core
// must report no WCAG 2.1 A/AA violation; a screenshot of each page is written to
// SCREENSHOTS (docs/images).
//
// Environment: BASE (api URL), CHROMIUM, HCP_ID, USERNAME, PASSWORD, TOTP_SECRET, EHR,
// HKIC, ACCESS_KEY, ADMIN (the user administrator's username), OUTBOX (the notifier's
// outbox directory), PROFILE_DIR (a fresh --user-data-dir), AXE_JS, SCREENSHOTS (optional).
import { createHmac } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { Cdp, check, env, launch } from "./cdp.mjs";

// RFC 6238: HMAC-SHA1 over the 30-second counter, dynamic truncation, 6 digits.
function totp(base32, unixSecs) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of base32.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSecs / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, "0");
}

const base = env("BASE");
const axeSource = await readFile(env("AXE_JS"), "utf8");
const shots = process.env.SCREENSHOTS ?? "";
const { chrome, ws } = await launch(env("CHROMIUM"), env("PROFILE_DIR"));

// Fills a form by element id and submits it, waiting for the next page.
async function submit(page, formId, fields) {
  const loaded = page.once("Page.loadEventFired");
  const sets = Object.entries(fields)
    .map(([id, v]) => `document.getElementById(${JSON.stringify(id)}).value = ${JSON.stringify(v)};`)
    .join("");
  await page.eval(`${sets} document.getElementById(${JSON.stringify(formId)}).requestSubmit();`);
  await loaded;
}

// Runs axe-core on the page (WCAG 2.0/2.1 A and AA rules) and saves a screenshot.
async function audit(page, name) {
  if (!(await page.eval("typeof axe !== 'undefined'"))) await page.eval(axeSource);
  const violations = await page.eval(`axe.run(document, { runOnly: { type: "tag",
      values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
    .then((r) => r.violations.map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", ")))`);
  check(violations.length === 0, `axe-core finds no WCAG 2.1 AA violation on ${name}${violations.length ? ": " + violations.join("; ") : ""}`);
  if (shots) {
    const { data } = await page.send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true });
    await writeFile(`${shots}/portal-${name}.png`, Buffer.from(data, "base64"));
  }
}

const text = (page, id) => page.eval(`document.getElementById(${JSON.stringify(id)})?.textContent ?? ''`);

// The clinic's own system shares two records through the API first (the portal's share
// page, for a clinic without one, is walked below): an allergy and a clinical note (a
// restricted type). The API's sign-in takes this 30-second step's code, the portal's the
// next step's (a code is used once).
const step = Math.floor(Date.now() / 30_000);
const apiSession = await (await fetch(`${base}/v1/hcp/sessions`, {
  method: "POST", headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ hcp_id: env("HCP_ID"), username: env("USERNAME"), password: env("PASSWORD"),
    totp_code: totp(env("TOTP_SECRET"), step * 30) }),
})).json();
if (!apiSession.token) throw new Error(`API sign-in failed: ${JSON.stringify(apiSession)}`);
for (const [data_type, document] of [
  ["allergies_adrs", { resourceType: "AllergyIntolerance", code: { text: "penicillin" } }],
  ["clinical_notes", { resourceType: "Composition", title: "consultation note" }],
]) {
  const r = await fetch(`${base}/v1/hcp/records`, {
    method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${apiSession.token}` },
    body: JSON.stringify({ ehr_number: env("EHR"), data_type, document }),
  });
  if (r.status !== 201) throw new Error(`sharing ${data_type} failed: ${r.status} ${await r.text()}`);
}

// A pending applicant: applies in the app and verifies the mobile with the SMS code, which
// the notifier writes to the outbox.
const applicant = { hkic: "C668668(9)", mobile: "+85291234567" };
async function apply() {
  const r = await fetch(`${base}/v1/app/applications`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ id_document: { type: "hkic", number: applicant.hkic }, name_en: "WONG, Siu Ming",
      name_zh: "黃小明", date_of_birth: "1990-02-28", sex: "M", mobile: applicant.mobile,
      language: "zh-Hant", notification_means: ["sms"] }),
  });
  if (r.status !== 201) throw new Error(`applying failed: ${r.status} ${await r.text()}`);
  const { id } = await r.json();
  let code = "";
  for (let i = 0; i < 200 && !code; i++) {
    const dir = `${env("OUTBOX")}/sms`;
    for (const f of await readdir(dir).catch(() => [])) {
      const body = await readFile(`${dir}/${f}`, "utf8").catch(() => "");
      if (body.includes(applicant.mobile)) code = body.split("\n\n").slice(1).join("\n\n").match(/\b\d{6}\b/)?.[0] ?? "";
    }
    if (!code) await new Promise((done) => setTimeout(done, 100));
  }
  if (!code) throw new Error("no SMS code in the outbox");
  const v = await fetch(`${base}/v1/app/applications/${id}/verify-mobile`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ code }),
  });
  if (v.status !== 200) throw new Error(`verifying the mobile failed: ${v.status} ${await v.text()}`);
}
await apply();

// Ticks a checkbox by id (submit() sets values only).
const tick = (page, ...ids) => page.eval(ids.map((id) => `document.getElementById(${JSON.stringify(id)}).checked = true;`).join(""));

try {
  const page = new Cdp(ws);
  await page.open();
  await page.send("Page.enable");
  await page.send("Emulation.setDeviceMetricsOverride", { width: 900, height: 900, deviceScaleFactor: 1, mobile: false });
  await page.navigate(`${base}/counter`);
  check((await page.eval("document.title")).includes("Sign in"), "the portal shows the sign-in form");
  check((await page.eval("document.documentElement.lang")) === "en", "in English first");
  await audit(page, "sign-in-en");

  await submit(page, "sign-in", {
    hcp_id: env("HCP_ID"), username: env("USERNAME"), password: "not the password",
    totp_code: totp(env("TOTP_SECRET"), Date.now() / 1000),
  });
  const wrong = await text(page, "error");
  check(wrong.includes("not right") && !wrong.includes("wrong_credentials"), `a wrong password is told in plain words: "${wrong}"`);
  await audit(page, "sign-in-error-en");

  await submit(page, "sign-in", {
    hcp_id: env("HCP_ID"), username: env("USERNAME"), password: env("PASSWORD"),
    totp_code: totp(env("TOTP_SECRET"), (step + 1) * 30),
  });
  check((await page.eval("location.pathname")) === "/counter/find", "signing in leads to the find page");
  check(await page.eval("document.cookie === 'counter_lang=en' || document.cookie === ''"), "the session cookie is HttpOnly (not visible to scripts)");
  await audit(page, "find-en");

  await submit(page, "find", { by: "hkic", number: applicant.hkic });
  check((await text(page, "state")).includes("pending"), `the applicant found by HKIC is pending verification: "${await text(page, "state")}"`);
  await audit(page, "applicant-en");
  await tick(page, "document_checked", "contact_confirmed");
  await submit(page, "verify", { doc_type: "hkic", doc_number: applicant.hkic, with_consent: "one_year" });
  const verified = await text(page, "result");
  check(verified.includes("Registration is complete"), `the applicant is verified and registered: "${verified}"`);
  check((await text(page, "ehr")).length >= 12, "the new eHR number is shown");
  check(!(await page.eval("document.body.textContent")).match(/access key[^.]*\b\d{8}\b/), "the access key itself is never shown");
  await audit(page, "verify-done-en");
  await page.navigate(`${base}/counter/find`);

  await submit(page, "find", { by: "ehr", number: env("EHR") });
  check((await text(page, "state")).includes("Registered"), "the patient found by eHR number is registered");
  check((await text(page, "consent-state")).includes("holds sharing consent"), `this clinic's consent is shown: "${await text(page, "consent-state")}"`);
  check((await text(page, "visible-types")).includes("Allergies"), "the data types this professional may see are listed");
  await audit(page, "patient-en");

  await submit(page, "consent", { access_key: "00000000", action: "renew", type: "one_year" });
  const refused = await text(page, "error");
  check(refused.includes("access key is not right") && refused.includes("more wrong tries"), `a wrong access key is refused with the tries left: "${refused}"`);
  await audit(page, "consent-error-en");

  await submit(page, "consent", { access_key: env("ACCESS_KEY"), action: "renew", type: "one_year" });
  const changed = await text(page, "result");
  check(changed.includes("active") && changed.includes("until") && changed.includes("Hong Kong time"), `the consent is renewed: "${changed}"`);
  check((await text(page, "confirmation")).includes("confirmation"), "the confirmation the patient receives is named");
  await audit(page, "consent-done-en");

  await page.navigate(`${base}/counter/records`);
  await audit(page, "records-form-en");
  await page.eval("document.getElementById('purpose_reason').checked = true");
  await submit(page, "view", { view_ehr: env("EHR"), reason: "Follow-up of last week's chest pain" });
  check((await text(page, "result")).includes("Access granted"), "the view is granted for the reason stated");
  check((await text(page, "records")).includes("Allergies"), "the allowed records are shown");
  const withheld = await text(page, "withheld");
  check(withheld.includes("Clinical notes") && withheld.includes("patient's approval"), `a restricted type is withheld, the reason in plain words: "${withheld}"`);
  await audit(page, "records-en");
  await submit(page, "approval", { approval_reason: "Follow-up of last week's consultation" });
  check((await text(page, "result")).includes("request was sent"), "asking the patient's approval sends the request");
  check((await text(page, "approvals")).includes("waiting for the patient's answer"), "the request is listed until it is answered");
  await audit(page, "approval-en");

  // A signed consent form, recorded under the patient found.
  await page.navigate(`${base}/counter/find`);
  await submit(page, "find", { by: "ehr", number: env("EHR") });
  await submit(page, "signed-consent", { channel: "form", signed_doc_type: "hkic", signed_doc_number: env("HKIC"),
    form_number: "F-2026-0001", form_sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", signed_type: "one_year" });
  const recorded = await text(page, "result");
  check(recorded.includes("Recorded") && recorded.includes("one year"), `the signed form's consent is recorded: "${recorded}" ${await text(page, "error")}`);
  check((await text(page, "confirmation")).includes("how to revoke"), "the patient's confirmation is named");
  await audit(page, "form-consent-done-en");

  // Sharing a record: a document that does not fit its type first, then one that does.
  await page.navigate(`${base}/counter/share`);
  await audit(page, "share-en");
  await submit(page, "share", { share_ehr: env("EHR"), data_type: "referrals", document: '{"resourceType": "Patient"}' });
  const misfit = await text(page, "error");
  check(misfit.includes("ServiceRequest") && misfit.includes("Patient"), `a document of the wrong type is told in plain words: "${misfit}"`);
  await audit(page, "share-error-en");
  await submit(page, "share", { share_ehr: env("EHR"), data_type: "referrals",
    document: JSON.stringify({ resourceType: "ServiceRequest", status: "active", intent: "order", subject: { display: "the patient" } }, null, 2) });
  check((await text(page, "result")).includes("Shared: a record of Healthcare referrals"), "the record is shared");
  await audit(page, "share-done-en");

  // The language switch is on every page and remembered.
  const switched = page.once("Page.loadEventFired");
  await page.eval("document.querySelector('#language button').click()");
  await switched;
  check((await page.eval("document.documentElement.lang")) === "zh-Hant", "the switch turns the page to Traditional Chinese");
  await page.navigate(`${base}/counter/find`);
  check((await page.eval("document.title")).includes("尋找病人"), "the choice is remembered on the next page");
  await audit(page, "find-zh-Hant");

  await submit(page, "find", { by: "hkic", number: env("HKIC") });
  check((await text(page, "state")).includes("已登記"), "the patient found by HKIC, in Chinese");
  check((await text(page, "consent-state")).includes("有效至"), `the consent's end as Chinese writes dates: "${await text(page, "consent-state")}"`);
  await audit(page, "patient-zh-Hant");

  await submit(page, "consent", { access_key: env("ACCESS_KEY"), action: "revoke" });
  const revoked = await text(page, "result");
  check(revoked.includes("已撤銷"), `revoked at the patient's request: "${revoked}"`);
  await audit(page, "consent-done-zh-Hant");

  const out = page.once("Page.loadEventFired");
  await page.eval("document.getElementById('sign-out').requestSubmit()");
  await out;
  check((await page.eval("location.pathname")) === "/counter", "signing out leads back to sign-in");
  await page.navigate(`${base}/counter/find`);
  check((await page.eval("location.pathname")) === "/counter", "after sign-out the find page needs sign-in again");
  await audit(page, "sign-in-zh-Hant");

  // The clinic's user administrator, in Chinese: a new HCProf and its authenticator.
  await submit(page, "sign-in", { hcp_id: env("HCP_ID"), username: env("ADMIN"), password: env("PASSWORD"),
    totp_code: totp(env("TOTP_SECRET"), Date.now() / 1000) });
  check((await page.eval("location.pathname")) === "/counter/accounts", "the user administrator starts at the accounts");
  check((await text(page, "accounts")).includes(env("USERNAME")), "the clinic's accounts are listed");
  await audit(page, "accounts-zh-Hant");
  await submit(page, "new-account", { username: "nurselam", display_name: "LAM Wing Yan", new_password: "correct horse battery staple",
    profession: "nurse", registration_number: "N12345" });
  check((await text(page, "result")).includes("nurselam"), `the account is created: "${await text(page, "result")}"`);
  await audit(page, "account-created-zh-Hant");
  const loaded = page.once("Page.loadEventFired");
  await page.eval("document.getElementById('enrol-nurselam').requestSubmit()");
  await loaded;
  const secret = (await text(page, "totp-secret")).trim();
  check(/^[A-Z2-7]{32}$/.test(secret), `the secret is on the page as text: "${secret}"`);
  check(await page.eval("document.getElementById('qr').naturalWidth > 0"), "the QR code is shown");
  await audit(page, "enrol-zh-Hant");
  const signedOut = page.once("Page.loadEventFired");
  await page.eval("document.getElementById('sign-out').requestSubmit()");
  await signedOut;
  await submit(page, "sign-in", { hcp_id: env("HCP_ID"), username: "nurselam", password: "correct horse battery staple",
    totp_code: totp(secret, Date.now() / 1000) });
  check((await page.eval("location.pathname")) === "/counter/find", "the new professional signs in with the enrolled authenticator");
  console.log("counter browser test passed");
} finally {
  chrome.kill();
}
