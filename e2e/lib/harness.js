// Test harness for Cruddur's browser tests (tier 4).
//
// - `startCruddur()` runs the all-in-one `cruddur` binary on a fresh temporary DATA_DIR (so it
//   seeds the demo data) with two free random ports, waits until the home page answers, and
//   returns `stop()`, which ends that process by its pid and removes the directory.
// - `launchChromium()` starts the Debian Chromium (/usr/bin/chromium) through playwright-core
//   with the flags of shared/ENVIRONMENT.md. Playwright gives every launch its own fresh,
//   temporary `--user-data-dir` (it refuses one in `args`) and deletes it on close.
// - `flow()` wraps a test body: it ends with a screenshot in e2e/artifacts/, and on failure
//   keeps a screenshot of every open page as FAILED-*.png.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const E2E_DIR = resolve(here, '..');
export const REPO_DIR = resolve(E2E_DIR, '..');
export const ARTIFACTS_DIR = process.env.E2E_ARTIFACTS_DIR ?? join(E2E_DIR, 'artifacts');

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const DEMO_PASSWORD = 'cruddur-demo';
export const DEMO_HANDLES = ['andrewbrown', 'altbrown', 'bayko', 'londo'];

/** The `cruddur` binary: $CRUDDUR_BIN, else the debug build in the cargo target directory. */
export function cruddurBinary() {
  if (process.env.CRUDDUR_BIN) return process.env.CRUDDUR_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? join(REPO_DIR, 'target');
  return join(target, 'debug', 'cruddur');
}

/** A port nobody listens on right now, chosen by the kernel. */
async function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/**
 * Starts `cruddur` on a fresh DATA_DIR and two free ports; resolves once GET / answers 200.
 * Returns { baseUrl, apiUrl, pid, dataDir, log(), stop() }.
 */
export async function startCruddur({ timeoutMs = 60_000 } = {}) {
  const bin = cruddurBinary();
  if (!existsSync(bin)) {
    throw new Error(`${bin} is missing: run \`cargo build -p cruddur\` (e2e/run.sh does)`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'cruddur-e2e-'));
  let port = await freePort();
  let webPort = await freePort();
  while (webPort === port) webPort = await freePort();

  const output = [];
  const child = spawn(bin, [], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      WEB_PORT: String(webPort),
      DATA_DIR: dataDir,
      LOG_FORMAT: 'text',
      NO_COLOR: '1',
      // Every flow signs up from the one loopback browser; the limit has tests of its own.
      SIGN_UPS_PER_CLIENT_PER_HOUR: '1000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk) => {
    output.push(chunk.toString());
    if (output.length > 2000) output.splice(0, output.length - 2000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exit = new Promise((ok) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      ok(exited);
    }),
  );

  const log = () => output.join('');
  const baseUrl = `http://127.0.0.1:${webPort}`;
  const apiUrl = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (exited === null) {
      process.kill(child.pid, 'SIGTERM');
      const done = await Promise.race([exit, sleep(15_000, null, { ref: false })]);
      if (done === null && exited === null) {
        process.kill(child.pid, 'SIGKILL');
        await exit;
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== null) {
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`cruddur exited early (${JSON.stringify(exited)}):\n${log()}`);
    }
    try {
      const response = await fetch(`${baseUrl}/`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`cruddur did not answer on ${baseUrl} within ${timeoutMs} ms:\n${log()}`);
    }
    await sleep(100);
  }
  return { baseUrl, apiUrl, pid: child.pid, dataDir, log, stop };
}

/** The Debian Chromium, headless, with the flags of ENVIRONMENT.md. */
export async function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    timeout: 60_000,
  });
}

/**
 * A fresh browser context (its own cookies) at `baseUrl`; `javaScript: false` for the no-JS
 * flows, `viewport` for a phone, `audit` for pages that `audit()` runs axe-core in.
 */
export async function newContext(browser, baseUrl, { javaScript = true, viewport, audit = false } = {}) {
  const context = await browser.newContext({
    baseURL: baseUrl,
    javaScriptEnabled: javaScript,
    viewport: viewport ?? { width: 1280, height: 900 },
    // The pages' Content-Security-Policy allows no injected script; axe is one (`audit()`).
    bypassCSP: audit,
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  return context;
}

function safeName(name) {
  return name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase().replace(/^failed/, 'FAILED');
}

/** Saves a screenshot (full page unless told) as e2e/artifacts/<name>.png; returns its path. */
export async function screenshot(page, name, { fullPage = true } = {}) {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${safeName(name)}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/**
 * Runs one flow: `body()` returns the page whose final state is the flow's screenshot
 * (`<suite>--<name>.png`). On failure, the newest page of each of `contexts` is kept as
 * FAILED-*.png, next to the server's log.
 */
export async function flow({ t, suite, name, contexts = [], server = null }, body) {
  try {
    const page = await body();
    if (page) await screenshot(page, `${suite}--${name}`);
  } catch (error) {
    // The newest page of each context shows where the flow stopped.
    let n = 0;
    for (const context of contexts) {
      const page = context?.pages().at(-1);
      if (!page) continue;
      n += 1;
      await screenshot(page, `FAILED-${suite}--${name}-${n}`).catch(() => {});
    }
    const log = server?.log?.();
    if (log) {
      mkdirSync(ARTIFACTS_DIR, { recursive: true });
      const path = join(ARTIFACTS_DIR, `FAILED-${safeName(`${suite}--${name}`)}.log`);
      writeFileSync(path, log);
      t.diagnostic(`screenshots and the cruddur log are in ${ARTIFACTS_DIR} (FAILED-*)`);
    }
    throw error;
  }
}

/**
 * How far the page reaches past the right edge of the screen: { scrollWidth, clientWidth,
 * wide: the elements past the edge }. A page that fits has scrollWidth <= clientWidth.
 */
export async function sideways(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > width + 1)
      .map((el) => `<${el.tagName.toLowerCase()} class="${el.className}">`);
    return { scrollWidth: document.documentElement.scrollWidth, clientWidth: width, wide };
  });
}

/** A short random suffix so handles, emails and hashtags are unique per run. */
export function unique() {
  return Math.random().toString(36).slice(2, 8);
}

/** The password the flows sign up with. */
export const PASSWORD = 'correct horse battery';

/** Signs `user` ({ name, handle }) up through the form on `page`; ends on the home page. */
export async function signUpWith(page, user) {
  await page.goto('/signup');
  await page.getByLabel('Name').fill(user.name);
  await page.getByLabel('Handle').fill(user.handle);
  await page.getByLabel('Email').fill(`${user.handle}@example.com`);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('main').getByRole('button', { name: 'Sign up' }).click();
  await page.waitForURL((url) => url.pathname === '/');
}

const AXE = join(E2E_DIR, 'node_modules', 'axe-core', 'axe.min.js');

/**
 * Runs axe-core in `page` (of a context made with `audit: true`) and returns its serious and
 * critical violations, each as "rule: what (the elements)".
 */
export async function audit(page) {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const results = await globalThis.axe.run(document, { resultTypes: ['violations'] });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((node) => node.target.join(' ')),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.targets.slice(0, 3).join(', ')}`);
}
