// The Exports page against an API with no worker, so jobs stay queued:
// cancel (with its confirmation and the 409 path) and the refresh policy on
// Playwright's clock.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  apiPost, createThroughForm, fillWindow, launchBrowser, newPage, row, shot, signIn, startStack, until,
} from './harness.mjs';

let stack;
let browser;
before(async () => {
  [stack, browser] = await Promise.all([startStack({ worker: false }), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

const MAY = { start: '2026-05-01', end: '2026-05-03', zone: 'UTC' };

test('cancel asks first, cancels, and a 409 reloads the row', async () => {
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme');
  await fillWindow(page, MAY);
  const job = await createThroughForm(page, { format: 'csv', label: 'to cancel' });
  const r = row(page, job.id);
  await r.getByText('Queued', { exact: true }).waitFor();

  // "Keep running" leaves it alone.
  await r.getByRole('button', { name: 'Cancel' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cancel this export?' });
  await dialog.waitFor();
  await dialog.getByText(job.file_name).waitFor();
  await shot(page, 'cancel-confirm');
  await dialog.getByRole('button', { name: 'Keep running' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await r.getByText('Queued', { exact: true }).waitFor();

  await r.getByRole('button', { name: 'Cancel' }).click();
  await dialog.getByRole('button', { name: 'Cancel export' }).click();
  await r.getByText('Canceled', { exact: true }).waitFor();
  // Named with its label: another job may have the same file name.
  await page.getByRole('status').filter({ hasText: `Export ${job.file_name} “to cancel” canceled.` }).waitFor();
  assert.equal(await r.getByRole('button', { name: 'Cancel' }).count(), 0);
  await r.getByRole('button', { name: 'Run again' }).waitFor();

  // Canceled elsewhere meanwhile: the page's cancel gets a 409 and reloads the row.
  const other = await createThroughForm(page, { format: 'json', label: 'canceled elsewhere' });
  const o = row(page, other.id);
  await o.getByText('Queued', { exact: true }).waitFor();
  await o.getByRole('button', { name: 'Cancel' }).click();
  assert.equal((await apiPost(page, stack.url, `/v1/export-jobs/${other.id}/cancel`)).status, 202);
  const conflict = page.waitForResponse((q) => q.url().endsWith(`/v1/export-jobs/${other.id}/cancel`));
  await dialog.getByRole('button', { name: 'Cancel export' }).click();
  assert.equal((await conflict).status(), 409);
  await o.getByText('Canceled', { exact: true }).waitFor();
  await page.getByRole('status').filter({ hasText: 'already finished' }).waitFor();

  // Run again fills the form with the same window, zone, format and label.
  await r.getByRole('button', { name: 'Run again' }).click();
  assert.equal(await page.getByLabel('Start date').inputValue(), '2026-05-01');
  assert.equal(await page.getByLabel('End date').inputValue(), '2026-05-03');
  assert.equal(await page.getByLabel('Timezone').inputValue(), 'UTC');
  assert.equal(await page.getByLabel('Label').inputValue(), 'to cancel');
  assert.ok(await page.getByRole('radio', { name: 'csv', exact: true }).isChecked());
  assert.equal(await page.evaluate(() => document.activeElement.id), 'submit');
});

test('refreshes every 2 s while a job is queued, backs off to 30 s, pauses while hidden, once a minute when all are final', async () => {
  const page = await newPage(browser);
  await page.clock.install();
  await signIn(page, stack.url, 'acme-clock');
  // Count the page's list requests, and know when none is in flight.
  const lists = [];
  let inFlight = 0;
  page.on('request', (q) => {
    if (q.method() === 'GET' && /\/v1\/export-jobs(\?|$)/.test(q.url())) {
      inFlight += 1;
      lists.push(q);
    }
  });
  const settle = async () => {
    for (let i = 0; i < 100 && inFlight > 0; i += 1) await new Promise((r) => setTimeout(r, 20));
  };
  page.on('requestfinished', (q) => { if (lists.includes(q)) inFlight -= 1; });
  page.on('requestfailed', (q) => { if (lists.includes(q)) inFlight -= 1; });

  // Nothing active: one quiet refresh a minute (a job made elsewhere shows up).
  await page.getByText('No exports yet').waitFor();
  await settle();
  let seen = lists.length;
  await page.clock.runFor(50000);
  await settle();
  assert.equal(lists.length, seen, 'no refresh within the idle minute');
  await page.clock.runFor(15000);
  await settle();
  assert.equal(lists.length, seen + 1, 'one quiet refresh after a minute');

  await fillWindow(page, MAY);
  const job = await createThroughForm(page, { format: 'csv' });
  await settle();
  seen = lists.length;
  /** Seconds (fake) between list requests over the next `total` seconds. */
  const gaps = async (total) => {
    const at = [];
    for (let s = 1; s <= total; s += 1) {
      await page.clock.runFor(1000);
      await new Promise((r) => setTimeout(r, 15));
      await settle();
      while (seen < lists.length) {
        at.push(s);
        seen += 1;
      }
    }
    return at.map((s, i) => s - (i ? at[i - 1] : 0));
  };
  const observed = await gaps(130);
  assert.equal(observed[0], 2, `first refresh after 2 s: ${observed}`);
  for (let i = 1; i < observed.length; i += 1) assert.ok(observed[i] >= observed[i - 1], `backs off: ${observed}`);
  assert.equal(Math.max(...observed), 30, `at most 30 s apart: ${observed}`);

  // Hidden: no requests, however long.
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await settle();
  seen = lists.length;
  assert.deepEqual(await gaps(120), [], 'paused while hidden');

  // Visible again: refreshes at once, fast again.
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await settle();
  assert.equal(lists.length, seen + 1, 'refreshes on becoming visible');
  seen = lists.length;

  // The job ends (canceled from elsewhere): the next refresh sees it, announces it, and polling slows to once a minute.
  assert.equal((await apiPost(page, stack.url, `/v1/export-jobs/${job.id}/cancel`)).status, 202);
  const afterCancel = await gaps(150);
  assert.ok(afterCancel[0] <= 30, `the next refresh sees it: ${afterCancel}`);
  assert.ok(afterCancel.length >= 2 && afterCancel.slice(1).every((g) => g === 60), `then one a minute: ${afterCancel}`);
  await row(page, job.id).getByText('Canceled', { exact: true }).waitFor();
  // No label: named with its window and zone, which its file name does not say.
  await page.getByRole('status').filter({ hasText: `Export ${job.file_name} (1 May 2026, 00:00 +00:00 to 3 May 2026, 24:00 +00:00, UTC) canceled.` }).waitFor();
  assert.equal(await page.getByRole('status').count(), 1);
});

test('time passes on the page: relative times move, a row turns Expired when its file goes, a job made elsewhere appears', async () => {
  // Before: a completed row said "expires in 40 seconds" forever, its
  // Download then did nothing visible, and a job the CLI made appeared only
  // after Refresh. The local stack cannot complete a job that expires in
  // seconds, so the list's answer is rewritten for two real (queued) jobs.
  const page = await newPage(browser);
  await page.clock.install();
  await signIn(page, stack.url, 'acme-time');
  const body = { type: 'events', format: 'csv', date_from: '2026-05-01', date_to: '2026-05-02', timezone: 'UTC' };
  const soon = (await apiPost(page, stack.url, '/v1/export-jobs', { ...body, label: 'expires soon' })).body;
  const gone = (await apiPost(page, stack.url, '/v1/export-jobs', { ...body, label: 'gone on download' })).body;
  const now = await page.evaluate(() => Date.now());
  const completed = (expiresAt) => ({
    status: 'completed', actions: ['download'], progress: 1, event_count: 120, sha256: 'ab'.repeat(32), size_bytes: 1000,
    completed_at: new Date(now - 60000).toISOString(), expires_at: new Date(expiresAt).toISOString(),
  });
  await page.route('**/v1/export-jobs?*', async (route) => {
    const response = await route.fetch();
    const list = await response.json();
    for (const job of list.jobs) {
      if (job.id === soon.id) Object.assign(job, completed(now + 45000));
      if (job.id === gone.id) Object.assign(job, completed(now + 7 * 86400000));
    }
    await route.fulfill({ response, json: list });
  });
  // The service says the file is gone (its expiry passed by the service's clock).
  await page.route(`**/v1/export-jobs/${gone.id}/download*`, (route) => route.fulfill({
    status: 410, contentType: 'application/problem+json',
    body: JSON.stringify({ type: 'urn:kt-exports:problem:export-expired', title: 'Export expired', status: 410, detail: 'the export expired; create a new export job to get the data again' }),
  }));
  await page.getByRole('button', { name: 'Refresh' }).click();
  const s = row(page, soon.id);
  await s.getByText('Completed', { exact: true }).waitFor();
  const relative = s.locator('td.when').last().locator('[data-relative]');
  const seconds = async () => Number((await relative.textContent()).match(/^in (\d+) seconds?$/)?.[1]);
  const first = await seconds();
  assert.ok(first > 30, await relative.textContent());

  // Made elsewhere (the CLI, another tab): not on the page yet.
  const elsewhere = (await apiPost(page, stack.url, '/v1/export-jobs', { ...body, label: 'made elsewhere' })).body;
  assert.equal(await row(page, elsewhere.id).count(), 0);

  // Half a minute on: the relative time says so.
  await page.clock.runFor(30000);
  await until(async () => (await seconds()) <= first - 20, { what: 'the relative expiry to move on' });

  // Past its expiry: the row is Expired, Download disabled, announced; the quiet refresh brought the other job.
  await page.clock.runFor(35000);
  await s.locator('.status').getByText('Expired', { exact: true }).waitFor();
  assert.ok(await s.getByRole('button', { name: 'Download' }).isDisabled());
  await s.getByText('Expired: run it again to get the data.').waitFor();
  await page.getByRole('status').filter({ hasText: `Export ${soon.file_name} “expires soon” expired.` }).waitFor();
  await row(page, elsewhere.id).waitFor();
  assert.equal(await page.locator('#jobs tbody tr').first().getAttribute('data-job-id'), elsewhere.id);

  // A download the service refuses as expired says so in the row, on screen.
  const g = row(page, gone.id);
  await g.getByRole('button', { name: 'Download' }).click();
  const note = g.locator('.row-note');
  await note.getByText('This export expired; run it again to get the data.').waitFor();
  assert.ok(await note.isVisible());
  assert.notEqual(await page.evaluate(() => document.activeElement.tagName), 'BODY');
  await shot(page, 'time-passed');
  assert.deepEqual(page.jsErrors, []);
});

test('pages through the history newest first and filters by status', async () => {
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme-pages');
  // 26 jobs (canceled, so the active-job limit never applies), then one left queued.
  const body = { type: 'events', format: 'csv', date_from: '2026-05-01', date_to: '2026-05-03', timezone: 'UTC' };
  const ids = [];
  for (let i = 0; i < 26; i += 1) {
    const created = await apiPost(page, stack.url, '/v1/export-jobs', { ...body, label: `run ${i}` });
    assert.equal(created.status, 202);
    assert.equal((await apiPost(page, stack.url, `/v1/export-jobs/${created.body.id}/cancel`)).status, 202);
    ids.push(created.body.id);
  }
  const queued = await apiPost(page, stack.url, '/v1/export-jobs', { ...body, label: 'still queued' });
  await page.getByRole('button', { name: 'Refresh' }).click();
  await row(page, queued.body.id).waitFor();
  const rows = page.locator('#jobs tbody tr');
  assert.equal(await rows.count(), 25);
  assert.equal(await rows.first().getAttribute('data-job-id'), queued.body.id, 'newest first');
  assert.ok(await page.getByRole('button', { name: 'Newer' }).isDisabled());

  await page.getByRole('button', { name: 'Older' }).click();
  await row(page, ids[0]).waitFor();
  assert.equal(await rows.count(), 2);
  assert.equal(await rows.last().getAttribute('data-job-id'), ids[0]);
  assert.ok(await page.getByRole('button', { name: 'Older' }).isDisabled());
  await page.getByRole('button', { name: 'Newer' }).click();
  await row(page, queued.body.id).waitFor();

  await page.getByLabel('Status', { exact: true }).selectOption('queued');
  await until(async () => (await rows.count()) === 1, { what: 'only the queued row' });
  await row(page, queued.body.id).getByText('Queued', { exact: true }).waitFor();
  await page.getByLabel('Status', { exact: true }).selectOption('failed');
  await page.locator('#jobs').getByText('No exports with this status.').waitFor();
});

test('failed rows say why; expired rows say so, cannot be downloaded, and offer Run again', async () => {
  // The local stack cannot make a job fail or expire on demand (expiry is at
  // least a day), so this test rewrites the API's list answer for two real jobs.
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme-states');
  const body = { type: 'events', format: 'json', date_from: '2026-05-01', date_to: '2026-05-02', timezone: 'Europe/Madrid' };
  const failed = (await apiPost(page, stack.url, '/v1/export-jobs', { ...body, label: 'will fail' })).body;
  const expired = (await apiPost(page, stack.url, '/v1/export-jobs', { ...body, label: 'long gone' })).body;
  const past = new Date(Date.now() - 3 * 86400000).toISOString();
  await page.route('**/v1/export-jobs?*', async (route) => {
    const response = await route.fetch();
    const list = await response.json();
    for (const job of list.jobs) {
      if (job.id === failed.id) {
        Object.assign(job, { status: 'failed', actions: [], error: { code: 'lake_unreadable', message: 'The event lake could not be read for 2026-05-01; try again later.' } });
      }
      if (job.id === expired.id) {
        Object.assign(job, {
          status: 'expired', actions: [], completed_at: past, expires_at: past, event_count: 1234, sha256: 'ab'.repeat(32),
          stats: { objects_read: 1, objects_skipped: 0, bytes_read: 1, lines_read: 1234, rejected_lines: 2, duplicates_removed: 0, rejected_samples: [] },
        });
      }
    }
    await route.fulfill({ response, json: list });
  });
  await page.getByRole('button', { name: 'Refresh' }).click();
  const f = row(page, failed.id);
  await f.getByText('Failed', { exact: true }).waitFor();
  await f.getByText('The event lake could not be read for 2026-05-01; try again later.').waitFor();
  await f.getByRole('button', { name: 'Run again' }).waitFor();
  const e = row(page, expired.id);
  await e.locator('.status').getByText('Expired', { exact: true }).waitFor();
  await e.locator('td.expired').getByText('3 days ago').waitFor();
  assert.ok(await e.getByRole('button', { name: 'Download' }).isDisabled());
  await e.getByText('Expired: run it again to get the data.').waitFor();
  await e.getByRole('button', { name: 'Run again' }).click();
  assert.equal(await page.getByLabel('Timezone').inputValue(), 'Europe/Madrid');
  assert.equal(await page.getByLabel('Start date').inputValue(), '2026-05-01');
  assert.equal(await page.getByLabel('End date').inputValue(), '2026-05-02');
  assert.ok(await page.getByRole('radio', { name: 'json', exact: true }).isChecked());
  await shot(page, 'failed-and-expired');
});

test('a completed job with no events says where to look, in English and Spanish', async () => {
  // Before: a quick range that ends now (the demo lake is May 2026) completed
  // with 0 events and nothing said why. The list's answer is rewritten for a
  // real job (the local stack has no worker here); a job with events says nothing more.
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme-zero');
  const body = { type: 'events', format: 'csv', date_from: '2026-05-01', date_to: '2026-05-02', timezone: 'UTC' };
  const empty = (await apiPost(page, stack.url, '/v1/export-jobs', { ...body, label: 'nothing there' })).body;
  const full = (await apiPost(page, stack.url, '/v1/export-jobs', { ...body, label: 'something there' })).body;
  const later = new Date(Date.now() + 7 * 86400000).toISOString();
  await page.route('**/v1/export-jobs?*', async (route) => {
    const response = await route.fetch();
    const list = await response.json();
    for (const job of list.jobs) {
      const count = job.id === empty.id ? 0 : 12;
      Object.assign(job, { status: 'completed', actions: ['download'], progress: 1, event_count: count, sha256: 'cd'.repeat(32), expires_at: later });
    }
    await route.fulfill({ response, json: list });
  });
  await page.getByRole('button', { name: 'Refresh' }).click();
  const e = row(page, empty.id);
  await e.getByText('Completed', { exact: true }).waitFor();
  const hint = e.locator('.zero-hint');
  await hint.getByText('No events in this window — check the dates and time zone.', { exact: true }).waitFor();
  assert.ok(await hint.isVisible());
  assert.equal(await row(page, full.id).locator('.zero-hint').count(), 0);
  await page.getByRole('button', { name: 'Español', exact: true }).click();
  await hint.getByText('No hay eventos en este intervalo: compruebe las fechas y la zona horaria.', { exact: true }).waitFor();
  await shot(page, 'zero-events-es');
});

test('the rejected count shows the sample reasons the job carries, by keyboard, in both languages', async () => {
  // Before: "13" in the Rejected column and no way to learn why. The job's
  // stats carry up to 20 samples (object, line, reason); the list's answer is
  // rewritten for a real job (no worker here), as the engine words them.
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme-rejected');
  const body = { type: 'events', format: 'csv', date_from: '2026-05-01', date_to: '2026-05-02', timezone: 'UTC' };
  const job = (await apiPost(page, stack.url, '/v1/export-jobs', { ...body, label: 'with rejects' })).body;
  const object = 'events/tenant=acme-rejected/dt=2026-05-01/hour=10/kt-events-1.ndjson.gz';
  const samples = [
    { object, line: 7, reason: 'required field `event_id` is empty' },
    { object, line: 42, reason: 'not valid JSON: expected value at line 1 column 1' },
  ];
  const later = new Date(Date.now() + 7 * 86400000).toISOString();
  await page.route('**/v1/export-jobs?*', async (route) => {
    const response = await route.fetch();
    const list = await response.json();
    for (const j of list.jobs) {
      if (j.id !== job.id) continue;
      Object.assign(j, {
        status: 'completed', actions: ['download'], progress: 1, event_count: 100, sha256: 'ef'.repeat(32), expires_at: later,
        stats: { objects_read: 1, objects_skipped: 0, bytes_read: 10, lines_read: 113, rejected_lines: 13, duplicates_removed: 0, rejected_samples: samples },
      });
    }
    await route.fulfill({ response, json: list });
  });
  await page.getByRole('button', { name: 'Refresh' }).click();
  const r = row(page, job.id);
  await r.getByText('Completed', { exact: true }).waitFor();
  const toggle = r.locator('td.rejected button');
  // "13" to the eye; its name also says what it does.
  assert.equal(await toggle.evaluate((b) => b.childNodes[0].textContent), '13');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  // Shown in a row of its own under the job's (the column is narrow), named by the button.
  const list = page.locator(`#${await toggle.getAttribute('aria-controls')}`);
  assert.equal(await list.isVisible(), false);
  // By keyboard: the count is a button in the tab order, just before Download.
  await r.getByRole('button', { name: 'Download' }).focus();
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.action), 'rejected-samples');
  assert.match(await page.evaluate(() => document.activeElement.textContent), /^13 lines rejected: show why$/);
  await page.keyboard.press('Enter');
  await list.waitFor();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  assert.equal(await list.locator('li').count(), 2);
  assert.equal(await list.locator('p').textContent(), 'Why lines were rejected (the first 2 of 13):');
  assert.equal(await list.locator('li').first().innerText(), `Line 7 of ${object} required field \`event_id\` is empty`);
  // Nothing of the row pushed out of its card.
  const wrap = await page.locator('.table-wrap').evaluate((w) => ({ scroll: w.scrollWidth, client: w.clientWidth }));
  assert.ok(wrap.scroll <= wrap.client, `the history is ${wrap.scroll} px wide in ${wrap.client} px`);
  await shot(page, 'rejected-samples');
  // Shown, it stays shown when the rows are drawn again; Spanish says the reasons it knows.
  await page.getByRole('button', { name: 'Español', exact: true }).click();
  await list.locator('li').first().getByText('el campo obligatorio `event_id` está vacío', { exact: true }).waitFor();
  await list.getByText(`Línea 42 de ${object}`).waitFor();
  assert.equal(await list.locator('p').textContent(), 'Por qué se rechazaron líneas (las primeras 2 de 13):');
  await toggle.focus();
  await page.keyboard.press('Enter');
  assert.equal(await list.isVisible(), false, 'Enter hides them again');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');

  // Shown, then signed out and in again (no reload): a new session draws it closed.
  await toggle.click();
  await list.waitFor();
  await page.getByRole('button', { name: 'Cerrar sesión' }).click();
  await page.getByLabel('Inquilino').fill('acme-rejected');
  await page.getByRole('button', { name: 'Iniciar sesión' }).click();
  await until(async () => (await toggle.getAttribute('aria-expanded')) === 'false', { what: 'the samples drawn closed' });
  assert.equal(await list.isVisible(), false, 'closed after signing in again');
  assert.deepEqual(page.jsErrors, []);
});

test('a rejected count whose samples row could not be drawn does not throw when pressed', async () => {
  // Before: the count's button set `.hidden` on a row that was not there (a
  // sample the page cannot read makes samplesRow throw; history.js logs it).
  const page = await newPage(browser);
  const logged = [];
  page.on('console', (m) => { if (m.type() === 'error') logged.push(m.text()); });
  await signIn(page, stack.url, 'acme-rejected-odd');
  const body = { type: 'events', format: 'csv', date_from: '2026-05-01', date_to: '2026-05-02', timezone: 'UTC' };
  const job = (await apiPost(page, stack.url, '/v1/export-jobs', { ...body, label: 'odd samples' })).body;
  const later = new Date(Date.now() + 7 * 86400000).toISOString();
  await page.route('**/v1/export-jobs?*', async (route) => {
    const response = await route.fetch();
    const list = await response.json();
    for (const j of list.jobs) {
      if (j.id !== job.id) continue;
      Object.assign(j, {
        status: 'completed', actions: ['download'], progress: 1, event_count: 100, sha256: 'ef'.repeat(32), expires_at: later,
        stats: { objects_read: 1, objects_skipped: 0, bytes_read: 10, lines_read: 101, rejected_lines: 1, duplicates_removed: 0, rejected_samples: [null] },
      });
    }
    await route.fulfill({ response, json: list });
  });
  await page.getByRole('button', { name: 'Refresh' }).click();
  const r = row(page, job.id);
  await r.getByText('Completed', { exact: true }).waitFor();
  await until(() => logged.some((l) => l.includes('rejected samples not rendered')), { what: 'the samples row to fail' });
  assert.equal(await page.locator(`#samples-${job.id}`).count(), 0);
  const toggle = r.locator('td.rejected button');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.deepEqual(page.jsErrors, []);
});

test('on the Spanish page a failed job says why in Spanish, the server words a click away', async () => {
  // Before: the reason (error.message) stayed English on the Spanish page.
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme-es-failed');
  const body = { type: 'events', format: 'csv', date_from: '2026-05-01', date_to: '2026-05-02', timezone: 'UTC' };
  const lost = (await apiPost(page, stack.url, '/v1/export-jobs', { ...body, label: 'lost worker' })).body;
  const odd = (await apiPost(page, stack.url, '/v1/export-jobs', { ...body, label: 'odd code' })).body;
  // crates/domain/src/sweep.rs, worker_lost(3); and a code the page does not know.
  const lostWords = 'The export stopped without finishing and was not picked up again after 3 attempts. Create the export again; if it keeps happening, export a shorter window or contact support with the job id.';
  const oddWords = 'The event lake could not be read for 2026-05-01; try again later.';
  let failNow = false;
  await page.route('**/v1/export-jobs?*', async (route) => {
    const response = await route.fetch();
    const list = await response.json();
    for (const job of failNow ? list.jobs : []) {
      if (job.id === lost.id) Object.assign(job, { status: 'failed', actions: [], error: { code: 'worker_lost', message: lostWords } });
      if (job.id === odd.id) Object.assign(job, { status: 'failed', actions: [], error: { code: 'lake_unreadable', message: oddWords } });
    }
    await route.fulfill({ response, json: list });
  });
  await page.getByRole('button', { name: 'Español', exact: true }).click();
  await page.getByRole('button', { name: 'Actualizar' }).click();
  const l = row(page, lost.id);
  await l.getByText('En cola', { exact: true }).waitFor();
  failNow = true;
  await page.getByRole('button', { name: 'Actualizar' }).click();
  await l.getByText('Fallida', { exact: true }).waitFor();
  const spanish = 'La exportación se detuvo sin terminar y no se retomó tras 3 intentos. Vuelva a crear la exportación; si sigue ocurriendo, exporte un intervalo más corto o contacte con soporte indicando el identificador de la exportación.';
  await l.locator('.reason').getByText(spanish, { exact: true }).waitFor();
  await page.getByRole('status').filter({ hasText: `La exportación ${lost.file_name} «lost worker» falló: ${spanish}` }).waitFor();
  // The server's exact words, in English, behind a disclosure.
  const original = l.locator('details.reason-original p[lang="en"]');
  assert.equal(await original.isVisible(), false);
  await l.getByText('Mensaje original (en inglés)').click();
  await original.getByText(lostWords, { exact: true }).waitFor();
  // Opened, it stays open when the list is fetched again and the row drawn
  // anew (something changed: a job made elsewhere; an unchanged list is not drawn again).
  await l.locator('details').evaluate((d) => { d.dataset.before = 'yes'; });
  await apiPost(page, stack.url, '/v1/export-jobs', { ...body, label: 'made elsewhere' });
  await page.getByRole('button', { name: 'Actualizar' }).click();
  await until(async () => (await l.locator('details[data-before]').count()) === 0, { what: 'the row drawn again' });
  assert.ok(await original.isVisible());
  // A code the page does not know: the server's words as sent, marked English.
  const o = row(page, odd.id);
  assert.equal(await o.locator('.reason').textContent(), oddWords);
  assert.equal(await o.locator('.reason').getAttribute('lang'), 'en');
  assert.equal(await o.locator('details').count(), 0);
  await shot(page, 'failed-es');

  // The English page shows the server's words, as before.
  await page.getByRole('button', { name: 'English', exact: true }).click();
  assert.equal(await l.locator('.reason').textContent(), lostWords);
  assert.equal(await l.locator('.reason').getAttribute('lang'), null);
  assert.equal(await l.locator('details').count(), 0);
});

test('on the Spanish page the API\'s refusals of a new export are said in Spanish', async () => {
  // Before: problem+json details and field messages stayed English.
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme-es-refused');
  // A window that ends in the future: the API's 422 on date_to.
  await fillWindow(page, { start: '2099-05-01', end: '2099-05-02', zone: 'UTC' });
  await page.getByRole('button', { name: 'Español', exact: true }).click();
  const refused = page.waitForResponse((r) => r.url().endsWith('/v1/export-jobs') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Crear exportación' }).click();
  assert.equal((await refused).status(), 422);
  await page.locator('#end-date-error').getByText('El intervalo termina más de un minuto en el futuro.', { exact: true }).waitFor();
  assert.equal(await page.getByLabel('Fecha de fin').getAttribute('aria-invalid'), 'true');

  // The tenant's active-job limit (10 on the local stack): the API's 429, above the form.
  const body = { type: 'events', format: 'csv', date_from: '2026-05-01', date_to: '2026-05-02', timezone: 'UTC' };
  for (let i = 0; i < 10; i += 1) {
    assert.equal((await apiPost(page, stack.url, '/v1/export-jobs', { ...body, label: `busy ${i}` })).status, 202);
  }
  await page.getByLabel('Fecha de inicio').fill('2026-05-01');
  await page.getByLabel('Fecha de fin').fill('2026-05-03');
  const limited = page.waitForResponse((r) => r.url().endsWith('/v1/export-jobs') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Crear exportación' }).click();
  assert.equal((await limited).status(), 429);
  const box = page.locator('#form-errors');
  await box.getByText('El inquilino ya tiene 10 exportaciones en cola o en proceso.').waitFor();
  // How long to wait: the answer's Retry-After.
  assert.equal((await limited).headers()['retry-after'], '30');
  assert.equal(await box.textContent(), 'No se creó la exportación: El inquilino ya tiene 10 exportaciones en cola o en proceso. Inténtelo de nuevo dentro de 30 segundos.');

  // The English page says it as cleanly: a sentence of its own, and the wait.
  await page.getByRole('button', { name: 'English', exact: true }).click();
  const again = page.waitForResponse((r) => r.url().endsWith('/v1/export-jobs') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Create export' }).click();
  assert.equal((await again).status(), 429);
  await box.getByText('Try again in 30 seconds.').waitFor();
  assert.equal(await box.textContent(), 'The export was not created: This tenant already has 10 exports queued or processing; wait for one to finish or cancel one. Try again in 30 seconds.');
});
