// The history's refreshes of its own (a timer, the tab shown again) on
// Playwright's clock, against an API with no worker (jobs stay queued): what
// they fetch, and that they never take the user away from what they are doing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  apiPost, launchBrowser, newPage, row, shot, signIn, startStack, until,
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

const EVENTS = { type: 'events', format: 'csv', date_from: '2026-05-01', date_to: '2026-05-02', timezone: 'UTC' };

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
  const job = (await apiPost(page, stack.url, '/v1/export-jobs', { ...EVENTS, label: 'still queued' })).body;
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
  const job = (await apiPost(page, stack.url, '/v1/export-jobs', { ...EVENTS, label: 'left alone' })).body;
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
  const other = (await apiPost(page, stack.url, '/v1/export-jobs', { ...EVENTS, label: 'made elsewhere' })).body;
  assert.equal((await apiPost(page, stack.url, `/v1/export-jobs/${other.id}/cancel`)).status, 202);
  await quietRefresh();
  await row(page, other.id).waitFor({ state: 'attached' });
  assert.equal(await r.evaluate((tr) => tr === window.keptRow), false, 'drawn again');
  assert.deepEqual(await page.evaluate(() => [document.activeElement.closest('tr')?.dataset.jobId, document.activeElement.dataset.action]), [job.id, 'run-again']);
  assert.equal(await page.evaluate(() => window.scrollY), 0, 'the focus came back without scrolling');
  assert.deepEqual(page.jsErrors, []);
});
