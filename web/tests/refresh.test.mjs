// The history's refreshes of its own (a timer, the tab shown again) on
// Playwright's clock, against an API with no worker (jobs stay queued): how
// often they fetch, time passing on the page, and that they never take the
// user away from what they are doing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  apiPost, createThroughForm, EVENTS_REQUEST, fillWindow, newPage, rewriteJobs, row, shot, signIn, stackAndBrowser, until,
} from './harness.mjs';

let stack;
let browser;
stackAndBrowser((s, b) => {
  [stack, browser] = [s, b];
}, { worker: false });

const MAY = { start: '2026-05-01', end: '2026-05-03', zone: 'UTC' };

/** From now on the API refuses the page's token for the list (an expired session); returns the count of refusals. */
async function refuseList(page) {
  const refused = { count: 0 };
  await page.route('**/v1/export-jobs?*', (route) => {
    refused.count += 1;
    return route.fulfill({
      status: 401, contentType: 'application/problem+json',
      body: JSON.stringify({ type: 'urn:kt-exports:problem:unauthorized', title: 'Unauthorized', status: 401, detail: 'the token has expired' }),
    });
  });
  return refused;
}

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
  // Sampled once a (fake) second: a request seen a second late makes one gap 61 and the next 59.
  assert.ok(afterCancel.length >= 2 && afterCancel.slice(1).every((g) => Math.abs(g - 60) <= 1), `then one a minute: ${afterCancel}`);
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
  const soon = (await apiPost(page, stack.url, '/v1/export-jobs', { ...EVENTS_REQUEST, label: 'expires soon' })).body;
  const gone = (await apiPost(page, stack.url, '/v1/export-jobs', { ...EVENTS_REQUEST, label: 'gone on download' })).body;
  const now = await page.evaluate(() => Date.now());
  const completed = (expiresAt) => ({
    status: 'completed', actions: ['download'], progress: 1, event_count: 120, sha256: 'ab'.repeat(32), size_bytes: 1000,
    completed_at: new Date(now - 60000).toISOString(), expires_at: new Date(expiresAt).toISOString(),
  });
  await rewriteJobs(page, (job) => {
    if (job.id === soon.id) Object.assign(job, completed(now + 45000));
    if (job.id === gone.id) Object.assign(job, completed(now + 7 * 86400000));
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
  const elsewhere = (await apiPost(page, stack.url, '/v1/export-jobs', { ...EVENTS_REQUEST, label: 'made elsewhere' })).body;
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

test('a 401 on a background refresh leaves the user where they were: a notice in view, not the sign-in screen', async () => {
  // Before: the idle minute's refresh got the expired token's 401 and showed
  // the sign-in screen with the focus on its field, mid-form.
  const page = await newPage(browser);
  await page.clock.install();
  await signIn(page, stack.url, 'acme-session');
  await page.getByText('No exports yet').waitFor();
  const label = page.locator('#label');
  await label.fill('half typed');
  await label.focus();
  const refused = await refuseList(page);
  await page.clock.runFor(61000);
  const notice = page.locator('#session-lost');
  await notice.getByText('Your session ended, so the history is no longer refreshed. Sign in again to go on: what you typed stays here.', { exact: true }).waitFor();
  assert.ok(await notice.isVisible());
  assert.equal(refused.count, 1);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'label', 'the focus stays where the user was typing');
  assert.ok(await page.locator('#workspace').isVisible());
  assert.equal(await page.locator('#sign-in').isVisible(), false);
  assert.equal(await label.inputValue(), 'half typed');
  assert.equal(await page.locator('#announcer').textContent(), 'Your session ended, so the history is no longer refreshed. Sign in again to go on: what you typed stays here.');
  await shot(page, 'session-lost');

  // Nothing more is fetched on a timer, nor when the tab shows again.
  await page.clock.runFor(180000);
  await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  await page.clock.runFor(5000);
  assert.equal(refused.count, 1, 'no polling after the session ended');

  // In Spanish too.
  await page.getByRole('button', { name: 'Español', exact: true }).click();
  await notice.getByText('Su sesión terminó, así que el historial ya no se actualiza. Inicie sesión de nuevo para seguir: lo que escribió se conserva.', { exact: true }).waitFor();

  // The user's next request (Refresh) gets its 401: now the sign-in screen, its field focused.
  await page.getByRole('button', { name: 'Actualizar' }).click();
  await page.locator('#sign-in').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tenant');
  await page.unroute('**/v1/export-jobs?*');
  await page.getByRole('button', { name: 'Iniciar sesión', exact: true }).click();
  await page.getByRole('heading', { name: 'Historial' }).waitFor();
  assert.equal(await notice.isVisible(), false, 'signed in again: the notice is gone');
  assert.equal(await label.inputValue(), 'half typed', 'what was typed is still there');
  assert.deepEqual(page.jsErrors, []);
});

test('a 401 on a background refresh with a dialog open: the dialog and its focus stay; the notice\'s button signs in', async () => {
  const page = await newPage(browser);
  await page.clock.install();
  await signIn(page, stack.url, 'acme-session-dialog');
  const job = (await apiPost(page, stack.url, '/v1/export-jobs', { ...EVENTS_REQUEST, label: 'still queued' })).body;
  await page.getByRole('button', { name: 'Refresh' }).click();
  const r = row(page, job.id);
  await r.getByText('Queued', { exact: true }).waitFor();
  await r.getByRole('button', { name: 'Cancel' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cancel this export?' });
  await dialog.waitFor();
  const focused = await page.evaluate(() => document.activeElement.textContent);
  assert.equal(focused, 'Keep running');
  // A queued row: the page polls every few seconds, on its own.
  const refused = await refuseList(page);
  await page.clock.runFor(31000);
  await page.locator('#session-lost').waitFor();
  assert.ok(refused.count >= 1);
  assert.ok(await dialog.isVisible(), 'the dialog stays open');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Keep running');
  assert.equal(await page.locator('#sign-in').isVisible(), false);

  await dialog.getByRole('button', { name: 'Keep running' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.getByRole('button', { name: 'Sign in again' }).click();
  await page.locator('#sign-in').waitFor();
  assert.ok(await page.locator('#sign-in-message').isVisible());
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tenant');
  assert.deepEqual(page.jsErrors, []);
});

test('a quiet refresh that brings the same list leaves the rows alone; one that brings a change keeps the focus without scrolling', async () => {
  // Before: every idle minute drew every row anew and put the focus back
  // with focus(), which cleared a text selection and scrolled the page.
  const page = await newPage(browser, { viewport: { width: 1440, height: 500 } });
  await page.clock.install();
  await signIn(page, stack.url, 'acme-quiet');
  const job = (await apiPost(page, stack.url, '/v1/export-jobs', { ...EVENTS_REQUEST, label: 'left alone' })).body;
  assert.equal((await apiPost(page, stack.url, `/v1/export-jobs/${job.id}/cancel`)).status, 202);
  await page.getByRole('button', { name: 'Refresh' }).click();
  const r = row(page, job.id);
  await r.getByText('Canceled', { exact: true }).waitFor();
  /** The next quiet (idle-minute) refresh, until the page has shown its answer. */
  const quietRefresh = async () => {
    const before = await page.locator('#updated').textContent();
    const listed = page.waitForResponse((q) => /\/v1\/export-jobs\?/.test(q.url()));
    await page.clock.runFor(61000);
    await listed;
    await until(async () => (await page.locator('#updated').textContent()) !== before, { what: 'the refresh to be shown' });
  };

  // A text selection in a row, and the row's nodes.
  await r.locator('.label-text').evaluate((node) => {
    window.keptRow = node.closest('tr');
    getSelection().selectAllChildren(node);
  });
  await quietRefresh();
  assert.ok(await r.evaluate((tr) => tr === window.keptRow), 'the same row node: not drawn again');
  assert.equal(await page.evaluate(() => getSelection().toString()), 'left alone', 'the selection survives');

  // The focus on the row's Run again, then the page scrolled back to the top (the row is out of view).
  const again = r.getByRole('button', { name: 'Run again' });
  await again.focus();
  await page.evaluate(() => window.scrollTo(0, 0));
  await quietRefresh();
  assert.ok(await again.evaluate((b) => b === document.activeElement), 'the same focused button');
  assert.equal(await page.evaluate(() => window.scrollY), 0);

  // Something changed (a job made elsewhere): the rows are drawn anew, the
  // focus goes back to the same job's button, and the page does not scroll.
  const other = (await apiPost(page, stack.url, '/v1/export-jobs', { ...EVENTS_REQUEST, label: 'made elsewhere' })).body;
  assert.equal((await apiPost(page, stack.url, `/v1/export-jobs/${other.id}/cancel`)).status, 202);
  await quietRefresh();
  await row(page, other.id).waitFor({ state: 'attached' });
  assert.equal(await r.evaluate((tr) => tr === window.keptRow), false, 'drawn again');
  assert.deepEqual(await page.evaluate(() => [document.activeElement.closest('tr')?.dataset.jobId, document.activeElement.dataset.action]), [job.id, 'run-again']);
  assert.equal(await page.evaluate(() => window.scrollY), 0, 'the focus came back without scrolling');
  assert.deepEqual(page.jsErrors, []);
});
