// Shared by the browser tests: a local stack of our own (kt-local on a free
// port with fresh emulator resources), Debian's Chromium through a pinned
// playwright-core, and small helpers.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = path.join(here, '..', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

function ktLocalBinary() {
  if (process.env.KT_LOCAL_BIN) return process.env.KT_LOCAL_BIN;
  const target = process.env.CARGO_TARGET_DIR || path.join(homedir(), '.cache', 'kt-exports', 'target');
  return path.join(target, 'debug', 'kt-local');
}

/**
 * `kt-local up --addr 127.0.0.1:0 --fresh` (never port 3000): resolves when it
 * prints the page's URL. `worker: false` keeps jobs queued. `resources`:
 * the table, queue and bucket names to use instead of `--fresh` ones
 * (`resourceNames()`), so another `kt-local` command can reach them too.
 */
export async function startStack({ worker = true, resources = null } = {}) {
  const args = ['up', '--addr', '127.0.0.1:0'];
  if (!resources) args.push('--fresh');
  if (!worker) args.push('--no-worker');
  const child = spawn(ktLocalBinary(), args, {
    env: { ...process.env, ...resources, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`kt-local did not start in 120 s:\n${log}`)), 120000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/Exports page: (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`kt-local exited (${code}):\n${log}`)));
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Table, queue and bucket names of a stack of its own (as `--fresh` makes them), as environment variables. */
export function resourceNames(prefix) {
  const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return {
    KT_JOBS_TABLE: `${prefix}-jobs-${suffix}`,
    KT_EXPORT_QUEUE: `${prefix}-q-${suffix}`,
    KT_EXPORT_DLQ: `${prefix}-dlq-${suffix}`,
    KT_EVENTS_BUCKET: `${prefix}-events-${suffix}`,
    KT_ARTIFACTS_BUCKET: `${prefix}-artifacts-${suffix}`,
  };
}

/** `kt-local <args>` against the same resources; resolves to its stdout, rejects when it fails. */
export function ktLocal(args, resources) {
  return new Promise((resolve, reject) => {
    const child = spawn(ktLocalBinary(), args, {
      env: { ...process.env, ...resources, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`kt-local ${args.join(' ')} exited ${code}:\n${out}${err}`))));
  });
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

/**
 * A stack of this file's own (`startStack`'s options) and a browser, started
 * before its tests and stopped after them; `use` gets both once they are up.
 */
export function stackAndBrowser(use, options) {
  let stack;
  let browser;
  before(async () => {
    [stack, browser] = await Promise.all([startStack(options), launchBrowser()]);
    use(stack, browser);
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });
}

/** A browser context as a user in Madrid would have it. */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({
    timezoneId: 'Europe/Madrid', locale: 'en-GB', acceptDownloads: true,
    viewport: { width: 1440, height: 1000 }, ...options,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  page.jsErrors = errors;
  return page;
}

/** Signs in through the page's local "Tenant" box. */
export async function signIn(page, url, tenant) {
  await page.goto(url);
  await page.getByLabel('Tenant').fill(tenant);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'History' }).waitFor();
}

export function bearer(page) {
  return page.evaluate(() => sessionStorage.getItem('kt-exports.token'));
}

/** The API as the signed-in page would call it. */
export async function apiGet(page, url, route) {
  const token = await bearer(page);
  const r = await page.request.get(new URL(route, url).href, { headers: { Authorization: `Bearer ${token}` } });
  return { status: r.status(), body: await r.json() };
}

export async function apiPost(page, url, route, body) {
  const token = await bearer(page);
  const r = await page.request.post(new URL(route, url).href, {
    headers: { Authorization: `Bearer ${token}` }, data: body,
  });
  return { status: r.status(), body: await r.json() };
}

export async function apiPut(page, url, route, body) {
  const token = await bearer(page);
  const r = await page.request.put(new URL(route, url).href, {
    headers: { Authorization: `Bearer ${token}` }, data: body,
  });
  return { status: r.status(), body: await r.json() };
}

/** A day of the demo lake as csv: the body of `POST /v1/export-jobs`, without its label. */
export const EVENTS_REQUEST = {
  type: 'events', format: 'csv', date_from: '2026-05-01', date_to: '2026-05-02', timezone: 'UTC',
};

/**
 * From now on, the API's list answers with `edit(job)` applied to each job
 * (changed in place): real jobs in a state the local stack cannot reach on
 * demand (completed, failed, expired, with rejected lines).
 */
export async function rewriteJobs(page, edit) {
  await page.route('**/v1/export-jobs?*', async (route) => {
    const response = await route.fetch();
    const list = await response.json();
    for (const job of list.jobs) edit(job);
    await route.fulfill({ response, json: list });
  });
}

export function row(page, jobId) {
  return page.locator(`tr[data-job-id="${jobId}"]`);
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

export function sha256File(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Waits until `check()` is truthy (real time). */
export async function until(check, { timeout = 30000, interval = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Fills the window fields the way a user types them. */
export async function fillWindow(page, { start, end, zone }) {
  if (zone) {
    await page.getByLabel('Timezone').fill(zone);
    await page.getByLabel('Timezone').dispatchEvent('change');
  }
  await page.getByLabel('Start date').fill(start);
  await page.getByLabel('End date').fill(end);
}

/** Creates an export through the form; returns the job the API answered. */
export async function createThroughForm(page, { format = 'csv', label } = {}) {
  if (format) await page.getByRole('radio', { name: format, exact: true }).check();
  if (label !== undefined) await page.getByLabel('Label').fill(label);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/v1/export-jobs') && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Create export' }).click(),
  ]);
  return response.json();
}
