// The Exports page against a whole local stack (API + worker + emulator):
// create, watch, download, the bundle view, validation, tenants, Spanish, axe.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { quickRange } from '../dates.js';
import {
  apiGet, createThroughForm, fillWindow, newPage, row, sha256File, shot, signIn, stackAndBrowser,
} from './harness.mjs';

let stack;
let browser;
stackAndBrowser((s, b) => {
  [stack, browser] = [s, b];
});

/** The demo lake holds acme's 30,000 events of 2026-05-01..03 (UTC). */
const MAY = { start: '2026-05-01', end: '2026-05-03', zone: 'UTC' };

test('signs in as a tenant, creates with a quick range and watches the row go queued -> completed', async () => {
  const page = await newPage(browser);
  await page.goto(stack.url);
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await shot(page, 'sign-in');
  await signIn(page, stack.url, 'acme');
  await assert.doesNotReject(page.getByText('No exports yet').waitFor());
  // The timezone is the browser's, shown and changeable.
  assert.equal(await page.getByLabel('Timezone').inputValue(), 'Europe/Madrid');

  await page.getByRole('button', { name: 'Last 7 days' }).click();
  assert.equal(await page.getByRole('button', { name: 'Last 7 days' }).getAttribute('aria-pressed'), 'true');
  const startDate = await page.getByLabel('Start date').inputValue();
  const endDate = await page.getByLabel('End date').inputValue();
  const days = (Date.parse(endDate) - Date.parse(startDate)) / 86400000;
  assert.equal(days, 7, `${startDate} .. ${endDate}`);

  // Quick ranges are computed in the chosen zone, and follow it when it changes.
  await page.getByRole('button', { name: 'Last quarter' }).click();
  await page.getByLabel('Timezone').fill('Pacific/Kiritimati');
  await page.getByLabel('Timezone').dispatchEvent('change');
  const quarter = quickRange('lastQuarter', Date.now(), 'Pacific/Kiritimati');
  assert.equal(await page.getByLabel('Start date').inputValue(), quarter.startDate);
  assert.equal(await page.getByLabel('End date').inputValue(), quarter.endDate);
  await page.getByLabel('Timezone').fill('Europe/Madrid');
  await page.getByLabel('Timezone').dispatchEvent('change');
  await page.getByRole('button', { name: 'Last 7 days' }).click();

  // Submit is disabled while the request is in flight, and it carries an Idempotency-Key.
  let sentKey = null;
  let posts = 0;
  await page.route('**/v1/export-jobs', async (route) => {
    if (route.request().method() === 'POST') {
      sentKey = route.request().headers()['idempotency-key'];
      posts += 1;
      await new Promise((r) => setTimeout(r, 400));
    }
    await route.continue();
  });
  const creating = createThroughForm(page, { format: 'csv', label: 'Weekly control check' });
  await page.locator('#submit[aria-disabled="true"]').waitFor();
  // A second press while in flight sends nothing more.
  await page.getByRole('button', { name: 'Create export' }).click({ force: true });
  const job = await creating;
  await page.unroute('**/v1/export-jobs');
  assert.match(sentKey ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(posts, 1);
  assert.equal(await page.locator('#submit').getAttribute('aria-disabled'), null);
  assert.equal(job.status, 'queued');
  assert.equal(job.timezone, 'Europe/Madrid');

  const r = row(page, job.id);
  // The row appears at once from the API's answer, queued, then follows the worker.
  await r.getByText('Queued', { exact: true }).waitFor({ timeout: 1500 });
  await r.getByText('Weekly control check').waitFor();
  await r.getByText('Completed', { exact: true }).waitFor({ timeout: 30000 });
  await page.getByRole('status').filter({ hasText: `Export ${job.file_name} “Weekly control check” completed` }).waitFor();
  assert.equal(await r.locator('time').first().getAttribute('datetime'), job.window_start);
  assert.ok(await r.getByRole('button', { name: 'Download' }).isEnabled());
  assert.equal(await r.getByRole('button', { name: 'Cancel' }).count(), 0);
  assert.deepEqual(page.jsErrors, []);
});

test('downloads the file and its SHA-256 equals the job\'s', async () => {
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme');
  await fillWindow(page, MAY);
  const job = await createThroughForm(page, { format: 'csv', label: 'May control check' });
  const r = row(page, job.id);
  await r.getByText('Completed', { exact: true }).waitFor({ timeout: 60000 });
  const done = (await apiGet(page, stack.url, `/v1/export-jobs/${job.id}`)).body;
  assert.ok(done.event_count > 29000, `event_count ${done.event_count}`);
  await r.getByRole('cell', { name: new Intl.NumberFormat('en-GB').format(done.event_count) }).waitFor();
  // Expiry: absolute and relative ("in 7 days").
  await r.getByText('in 7 days').waitFor();

  const linkAsked = page.waitForRequest((q) => q.url().includes(`/v1/export-jobs/${job.id}/download?redirect=false`));
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    r.getByRole('button', { name: 'Download' }).click(),
  ]);
  await linkAsked;
  assert.equal(download.suggestedFilename(), job.file_name);
  const file = await download.path();
  assert.equal(sha256File(file), done.sha256);

  await r.getByRole('button', { name: 'Copy SHA-256' }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), done.sha256);
  await shot(page, 'downloaded');
});

test('shows a completed bundle\'s inventory, hashes and section statuses from the artifact', async () => {
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme');
  await fillWindow(page, MAY);
  const job = await createThroughForm(page, { format: 'compliance-all', label: 'Q2 audit packet' });
  const r = row(page, job.id);
  await r.getByText('Completed', { exact: true }).waitFor({ timeout: 90000 });
  const done = (await apiGet(page, stack.url, `/v1/export-jobs/${job.id}`)).body;
  await r.getByRole('button', { name: 'Contents' }).click();
  const panel = page.locator('#bundle');
  await panel.getByText(`Archive SHA-256 matches the job: ${done.sha256}`).waitFor();
  // All 13 files of a genuine signed bundle pass: the reports and their HTML
  // against the signed manifest, the signature files against SHA256SUMS.
  const expected = {
    'manifest.json': ['Manifest (signed)', 'Matches SHA256SUMS'],
    'manifest.sig': ['Signature over manifest.json', 'Matches SHA256SUMS'],
    'signing-key.pem': ['Public key of the signature', 'Matches SHA256SUMS'],
    SHA256SUMS: ['Checksums of every file', '—'],
  };
  for (const fw of ['aesia', 'aepd', 'ens']) {
    expected[`compliance-${fw}.json`] = ['Report', 'Matches manifest and SHA256SUMS'];
    for (const lang of ['es', 'en']) {
      expected[`compliance-${fw}.${lang}.html`] = ['Printable report (HTML)', 'Matches manifest and SHA256SUMS'];
    }
  }
  const inventoryRows = panel.locator('table').first().locator('tbody tr');
  assert.equal(await inventoryRows.count(), Object.keys(expected).length);
  for (const [path, [role, check]] of Object.entries(expected)) {
    const cells = await inventoryRows.filter({ has: page.getByRole('cell', { name: path, exact: true }) }).locator('td').allTextContents();
    assert.deepEqual([cells[0], cells[1], cells[4]], [path, role, check], path);
  }
  assert.equal(await panel.locator('tr.failed').count(), 0, 'no failure row');
  assert.equal(await panel.getByText('Does not match').count(), 0);
  assert.equal(await panel.getByText('Not in the manifest').count(), 0);
  await panel.getByText('it does not check the signature over manifest.json').waitFor();
  // Each report's sections, with their statuses, e.g. ENS op.exp.8 and AESIA art12.
  await panel.getByRole('rowheader', { name: /art12/ }).waitFor();
  // In article order, not as text sorts (art27 before art4).
  const aesia = await panel.locator('.report').filter({ hasText: 'compliance-aesia' }).locator('th[scope=row] .mono').allTextContents();
  assert.ok(aesia.indexOf('art4') < aesia.indexOf('art12') && aesia.indexOf('art12') < aesia.indexOf('art27'), aesia.join(' '));
  const codes = await panel.locator('.report td .sec').evaluateAll((spans) => spans.map((s) => s.dataset.status));
  assert.ok(codes.length > 10, `${codes.length} sections`);
  assert.ok(codes.every((s) => /^[a-z_]+$/.test(s)), codes.join(','));
  // Each status in words, the HTML renderings' words in the page's language.
  const words = {
    en: { evidenced: 'evidenced', partial: 'partial', not_evidenced: 'not evidenced', out_of_scope_for_log: 'out of scope for the log' },
    es: { evidenced: 'acreditado', partial: 'parcial', not_evidenced: 'no acreditado', out_of_scope_for_log: 'fuera del alcance del registro' },
  };
  assert.deepEqual(await panel.locator('.report td .sec').allTextContents(), codes.map((c) => words.en[c]));
  // Each section's title in the page's language, as the renderings say it
  // (before: ENS titles in Spanish on the English page, AESIA's in English on the Spanish one).
  const titles = () => panel.locator('th[scope=row]').evaluateAll((ths) => Object.fromEntries(
    ths.map((th) => [th.querySelector('.mono').textContent, th.querySelector('.muted').textContent])));
  const english = await titles();
  assert.equal(english['op.exp.8'], 'Activity logging', JSON.stringify(english));
  assert.equal(english.art12, 'Record-keeping: automatic logging and traceability');
  await shot(page, 'bundle');
  // In Spanish the open panel is redrawn: no status is left in English.
  await page.getByRole('button', { name: 'Español' }).click();
  await panel.getByRole('heading', { name: 'Inventario' }).waitFor();
  assert.deepEqual(await panel.locator('.report td .sec').allTextContents(), codes.map((c) => words.es[c]));
  const spanish = await titles();
  assert.equal(spanish.art12, 'Conservación de registros: registro automático y trazabilidad');
  assert.equal(spanish['op.exp.8'], 'Registro de la actividad');
  const summary = await panel.locator('.report .summary .sec').allTextContents();
  assert.ok(summary.every((w) => /^(acreditado|parcial|no acreditado|fuera del alcance del registro) [0-9.]+$/.test(w)), summary.join(','));
  await page.getByRole('button', { name: 'English' }).click();
  await panel.getByRole('heading', { name: 'Inventory' }).waitFor();
  // On a phone the report cards fit the panel (their 360 px minimum made the
  // whole page pan sideways at 375 px).
  await page.setViewportSize({ width: 375, height: 800 });
  const pans = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(pans, 0, 'the page does not pan sideways with the bundle open at 375 px');
  await page.setViewportSize({ width: 1440, height: 1000 });

  // The tester's tamper: an HTML rendering altered and SHA256SUMS regenerated.
  // Its row fails (it no longer matches the signed manifest); nothing else does.
  await page.route((u) => u.pathname.includes(`/${job.id}/`) && u.pathname.endsWith(job.file_name), async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: tamperRendering(await response.body(), 'compliance-ens.en.html') });
  });
  await r.getByRole('button', { name: 'Contents' }).click();
  await panel.getByText('Archive SHA-256 differs from the job').waitFor();
  const failed = panel.locator('tr.failed');
  assert.equal(await failed.count(), 1);
  const cells = await failed.locator('td').allTextContents();
  assert.deepEqual([cells[0], cells[4]], ['compliance-ens.en.html', 'Does not match']);
  await shot(page, 'bundle-tampered');
});

/**
 * `sed s/evidenced/EVIDENCED/` on one file of a tar.gz (same length, so the
 * tar headers stay valid) and that file's line of SHA256SUMS regenerated.
 */
function tamperRendering(gz, name) {
  const tar = Buffer.from(gunzipSync(gz));
  const entries = new Map();
  for (let at = 0; at + 512 <= tar.length && tar[at] !== 0; ) {
    const path = tar.subarray(at, at + 100).toString('latin1').replace(/\0.*$/s, '');
    const size = parseInt(tar.subarray(at + 124, at + 136).toString('latin1').trim(), 8);
    entries.set(path, tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  const body = entries.get(name);
  const before = createHash('sha256').update(body).digest('hex');
  const altered = Buffer.from(body.toString('latin1').replaceAll('evidenced', 'EVIDENCED'), 'latin1');
  assert.notDeepEqual(altered, body);
  altered.copy(body);
  const after = createHash('sha256').update(body).digest('hex');
  const sums = entries.get('SHA256SUMS');
  Buffer.from(sums.toString('latin1').replace(`${before}  ${name}`, `${after}  ${name}`), 'latin1').copy(sums);
  return gzipSync(tar);
}

test('refuses a start after the end before sending anything', async () => {
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme');
  let posts = 0;
  page.on('request', (q) => { if (q.method() === 'POST' && q.url().endsWith('/v1/export-jobs')) posts += 1; });
  await fillWindow(page, { start: '2026-05-03', end: '2026-05-01' });
  await page.getByRole('button', { name: 'Create export' }).click();
  const start = page.getByLabel('Start date');
  assert.equal(await start.getAttribute('aria-invalid'), 'true');
  await page.locator('#start-date-error').getByText('The start is after the end').waitFor();
  assert.ok(await start.evaluate((e) => e === document.activeElement));
  // The message is the field's description, so a screen reader reads it with the field.
  assert.match(await start.evaluate((e) => e.getAttribute('aria-describedby')), /start-date-error/);
  assert.equal(posts, 0);
  await shot(page, 'start-after-end');
});

test('a start equal to the end says the end must be after the start, on the End date', async () => {
  // Before: an empty window said "The start is after the end".
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme');
  let posts = 0;
  page.on('request', (q) => { if (q.method() === 'POST' && q.url().endsWith('/v1/export-jobs')) posts += 1; });
  await fillWindow(page, { start: '2026-05-03', end: '2026-05-03', zone: 'UTC' });
  await page.getByLabel('Start time').fill('10:00');
  await page.getByLabel('End time').fill('10:00');
  await page.getByRole('button', { name: 'Create export' }).click();
  const end = page.getByLabel('End date');
  await page.locator('#end-date-error').getByText('The end must be after the start: this window is empty.', { exact: true }).waitFor();
  assert.equal(await end.getAttribute('aria-invalid'), 'true');
  assert.ok(await end.evaluate((e) => e === document.activeElement));
  assert.ok(await page.locator('#start-date-error').isHidden());
  assert.equal(posts, 0);
  await page.getByRole('button', { name: 'Español', exact: true }).click();
  await page.getByRole('button', { name: 'Crear exportación' }).click();
  await page.locator('#end-date-error').getByText('El fin debe ser posterior al inicio: este intervalo está vacío.', { exact: true }).waitFor();
  await page.getByRole('button', { name: 'English', exact: true }).click();
});

test('a zone typed in lower case is taken as its IANA name', async () => {
  // Before: "europe/madrid" was refused by the API (400 on timezone).
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme');
  await fillWindow(page, { start: '2026-05-01', end: '2026-05-02', zone: 'europe/madrid' });
  assert.equal(await page.getByLabel('Timezone').inputValue(), 'Europe/Madrid', 'shown as its IANA name once changed');
  // Typed and sent without leaving the field: the request carries the IANA name too.
  await page.getByLabel('Timezone').fill('AMERICA/NEW_YORK');
  const job = await createThroughForm(page, { format: 'csv', label: 'lower-case zone' });
  assert.equal(job.timezone, 'America/New_York');
  assert.equal(Date.parse(job.window_start), Date.UTC(2026, 4, 1, 4));
  assert.ok(await page.locator('#timezone-error').isHidden());
  // The json format says what its file is: one document, not a line per event.
  await page.locator('#fmt-json').getByText('a single JSON document — the export’s scope, every event as produced, then a summary', { exact: false }).waitFor();
});

test('shows the API\'s validation errors next to the fields they name', async () => {
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme');
  // An unknown zone is a 400 naming `timezone`.
  await fillWindow(page, { ...MAY, zone: 'Mars/Olympus_Mons' });
  const answer = page.waitForResponse((r) => r.url().endsWith('/v1/export-jobs') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Create export' }).click();
  assert.equal((await answer).status(), 400);
  const zoneError = page.locator('#timezone-error');
  await zoneError.waitFor();
  assert.match(await zoneError.textContent(), /zone/i);
  assert.equal(await page.getByLabel('Timezone').getAttribute('aria-invalid'), 'true');

  // A window that ends in the future is a 422 naming `date_to`.
  await fillWindow(page, { start: '2026-05-01', end: '2099-01-01', zone: 'UTC' });
  const second = page.waitForResponse((r) => r.url().endsWith('/v1/export-jobs') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Create export' }).click();
  assert.equal((await second).status(), 422);
  await page.locator('#end-date-error').waitFor();
  assert.equal(await page.getByLabel('End date').getAttribute('aria-invalid'), 'true');
  assert.ok(await page.locator('#timezone-error').isHidden());
  await shot(page, 'api-error');
});

test('a second tenant sees nothing of the first', async () => {
  const acme = await newPage(browser);
  await signIn(acme, stack.url, 'acme');
  await fillWindow(acme, MAY);
  const job = await createThroughForm(acme, { format: 'json', label: 'acme only' });

  const globex = await newPage(browser);
  await signIn(globex, stack.url, 'globex');
  await globex.getByText('No exports yet').waitFor();
  assert.equal(await globex.getByText('acme only').count(), 0);
  assert.equal(await row(globex, job.id).count(), 0);
  assert.equal((await apiGet(globex, stack.url, `/v1/export-jobs/${job.id}`)).status, 404);
  assert.equal((await apiGet(globex, stack.url, `/v1/export-jobs/${job.id}/download?redirect=false`)).status, 404);
});

test('renders in Spanish: lang, labels, words, Intl numbers and dates', async () => {
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme');
  await fillWindow(page, MAY);
  const job = await createThroughForm(page, { format: 'csv' });
  await row(page, job.id).getByText('Completed', { exact: true }).waitFor({ timeout: 60000 });
  const done = (await apiGet(page, stack.url, `/v1/export-jobs/${job.id}`)).body;

  await page.getByRole('button', { name: 'Español' }).click();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'es');
  await page.getByLabel('Fecha de inicio').waitFor();
  await page.getByLabel('Fecha de fin').waitFor();
  await page.getByRole('button', { name: 'Crear exportación' }).waitFor();
  await page.getByRole('columnheader', { name: 'Estado' }).waitFor();
  await page.getByRole('columnheader', { name: 'Eventos' }).waitFor();
  const r = row(page, job.id);
  await r.getByText('Completada').waitFor();
  await r.getByRole('button', { name: 'Descargar' }).waitFor();
  await r.getByText(new Intl.NumberFormat('es').format(done.event_count), { exact: true }).waitFor();
  await r.getByText('dentro de 7 días').waitFor();
  await shot(page, 'spanish');

  // The choice survives a reload, and English comes back.
  await page.reload();
  await page.getByRole('heading', { name: 'Historial' }).waitFor();
  await page.getByRole('button', { name: 'English' }).click();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.getByRole('heading', { name: 'History' }).waitFor();
});

test('passes axe-core\'s checks of names, labels and roles, and works from the keyboard', async () => {
  const page = await newPage(browser, { bypassCSP: true });
  await signIn(page, stack.url, 'acme');
  await fillWindow(page, MAY);
  const job = await createThroughForm(page, { format: 'json', label: 'Keyboard run' });
  await row(page, job.id).getByText('Completed', { exact: true }).waitFor({ timeout: 60000 });

  const require = createRequire(import.meta.url);
  await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  const violations = result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  assert.deepEqual(violations, []);

  // Keyboard only: a quick range, then Create export, by Tab and Enter/Space.
  await page.getByRole('button', { name: 'Last 30 days' }).focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.getByRole('button', { name: 'Last 30 days' }).getAttribute('aria-pressed'), 'true');
  await page.getByLabel('Label').focus();
  await page.keyboard.type('Typed label');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Create export');
  const answer = page.waitForResponse((r) => r.url().endsWith('/v1/export-jobs') && r.request().method() === 'POST');
  await page.keyboard.press('Enter');
  assert.equal((await answer).status(), 202);
  // In the history (the announcement names the job by its label too).
  await page.locator('#jobs').getByText('Typed label').waitFor();
  // The focus ring is visible.
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none');
});
