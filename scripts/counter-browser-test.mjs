// Drives the counter web page in headless Chromium over the DevTools protocol (no npm
// packages: Node's fetch, WebSocket and crypto). Signs in with a TOTP code computed from
// the demo secret, takes consent with the demo patient's access key, checks the page.
//
// Environment: BASE (api URL), CHROMIUM, HCP_ID, USERNAME, PASSWORD, TOTP_SECRET, EHR,
// ACCESS_KEY, PROFILE_DIR (a fresh --user-data-dir).
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

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

async function launch() {
  const profile = env("PROFILE_DIR");
  const chrome = spawn(env("CHROMIUM"), [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    `--user-data-dir=${profile}`, "--remote-debugging-port=0", "about:blank",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  for (let i = 0; i < 100; i++) {
    try {
      const [port] = (await readFile(`${profile}/DevToolsActivePort`, "utf8")).split("\n");
      const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
      const page = targets.find((t) => t.type === "page");
      if (page) return { chrome, ws: page.webSocketDebuggerUrl };
    } catch { /* not up yet */ }
    await sleep(100);
  }
  chrome.kill();
  throw new Error("chromium did not start");
}

class Cdp {
  constructor(url) {
    this.ws = new WebSocket(url);
    this.next = 1;
    this.pending = new Map();
    this.waiters = [];
    this.ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.id && this.pending.has(msg.id)) {
        const { resolve, reject } = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        msg.error ? reject(new Error(JSON.stringify(msg.error))) : resolve(msg.result);
      } else if (msg.method) {
        this.waiters = this.waiters.filter((w) => !(w.method === msg.method && (w.resolve(msg.params), true)));
      }
    };
  }
  open() { return new Promise((resolve, reject) => { this.ws.onopen = resolve; this.ws.onerror = reject; }); }
  send(method, params = {}) {
    const id = this.next++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }
  once(method, timeoutMs = 10_000) {
    return new Promise((resolve, reject) => {
      this.waiters.push({ method, resolve });
      setTimeout(() => reject(new Error(`timed out waiting for ${method}`)), timeoutMs).unref();
    });
  }
  async eval(expression) {
    const r = await this.send("Runtime.evaluate", { expression, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`page script failed: ${r.exceptionDetails.text}`);
    return r.result.value;
  }
  // Fills a form by element id and submits it, waiting for the next page.
  async submit(formId, fields) {
    const loaded = this.once("Page.loadEventFired");
    const sets = Object.entries(fields)
      .map(([id, v]) => `document.getElementById(${JSON.stringify(id)}).value = ${JSON.stringify(v)};`)
      .join("");
    await this.eval(`${sets} document.getElementById(${JSON.stringify(formId)}).requestSubmit();`);
    await loaded;
  }
}

function check(condition, what) {
  if (!condition) throw new Error(`FAILED: ${what}`);
  console.log(`ok - ${what}`);
}

const base = env("BASE");
const { chrome, ws } = await launch();
try {
  const page = new Cdp(ws);
  await page.open();
  await page.send("Page.enable");
  const loaded = page.once("Page.loadEventFired");
  await page.send("Page.navigate", { url: `${base}/counter` });
  await loaded;
  check((await page.eval("document.title")).includes("Sign in"), "the counter shows the sign-in form");

  await page.submit("sign-in", {
    hcp_id: env("HCP_ID"), username: env("USERNAME"), password: "not the password",
    totp_code: totp(env("TOTP_SECRET"), Date.now() / 1000),
  });
  check((await page.eval("document.getElementById('error')?.textContent ?? ''")).length > 0,
    "a wrong password shows an error on the page");

  await page.submit("sign-in", {
    hcp_id: env("HCP_ID"), username: env("USERNAME"), password: env("PASSWORD"),
    totp_code: totp(env("TOTP_SECRET"), Date.now() / 1000 + 30),
  });
  check((await page.eval("location.pathname")) === "/counter/consent", "signing in leads to the consent form");
  check(await page.eval("document.cookie === ''"), "the session cookie is HttpOnly (not visible to scripts)");

  await page.submit("consent", { ehr_number: env("EHR"), access_key: "00000000", action: "renew", type: "one_year" });
  check((await page.eval("document.getElementById('error')?.textContent ?? ''")).includes("access key"),
    "a wrong access key is refused on the page");

  await page.submit("consent", { ehr_number: env("EHR"), access_key: env("ACCESS_KEY"), action: "change", type: "indefinite" });
  const result = await page.eval("document.getElementById('result')?.textContent ?? ''");
  check(result.includes("active") && result.includes("indefinite"), `the consent is changed: "${result}"`);
  console.log("counter browser test passed");
} finally {
  chrome.kill();
}
