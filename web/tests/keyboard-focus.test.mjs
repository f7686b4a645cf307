// Where the keyboard focus goes after the page's common actions: never to
// the page's start (<body>) because the control that had it was disabled,
// hidden or drawn again (WCAG 2.4.3). An API with no worker, so jobs stay
// queued; a completed job is the API's list answer rewritten.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  apiPost, createThroughForm, fillWindow, newPage, row, signIn, stackAndBrowser, until,
} from './harness.mjs';

let stack;
let browser;
stackAndBrowser((s, b) => {
  [stack, browser] = [s, b];
}, { worker: false });

const MAY = { type: 'events', format: 'csv', date_from: '2026-05-01', date_to: '2026-05-03', timezone: 'UTC' };

/** The focused element: its id, or its row's job id and its data-action. */
function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    const tr = e.closest('tr[data-job-id]');
    return tr ? `${tr.dataset.jobId} ${e.dataset.action}` : e.id || e.tagName;
  });
}

async function focusedIs(page, want) {
  try {
    await until(async () => (await focused(page)) === want, { timeout: 10000, what: `focus on ${want}` });
  } catch (e) {
    throw new Error(`${e.message}; it is on ${await focused(page)}`);
  }
}

test('after signing in the focus is on the workspace; after signing out, on the sign-in field', async () => {
  // Before: both buttons were hidden under the focus, which fell to <body>.
  const page = await newPage(browser);
  await signIn(page, stack.url, 'focus-sign-in');
  await focusedIs(page, 'new-h');
  await page.getByRole('button', { name: 'Sign out' }).focus();
  await page.keyboard.press('Enter');
  await focusedIs(page, 'tenant');
});

test('Older and Newer: at the last page the focus moves to the other button, and what is shown is announced', async () => {
  // Before: the pressed button became disabled and the focus fell to <body>;
  // nothing said that another page was shown.
  const page = await newPage(browser);
  await signIn(page, stack.url, 'focus-pages');
  const ids = [];
  for (const label of ['first', 'second']) {
    const created = await apiPost(page, stack.url, '/v1/export-jobs', { ...MAY, label });
    assert.equal((await apiPost(page, stack.url, `/v1/export-jobs/${created.body.id}/cancel`)).status, 202);
    ids.push(created.body.id);
  }
  // Pages of one job (the page asks for 25), so two jobs make two pages; the
  // oldest one's page the last (the API may offer one more, empty, after a full page).
  await page.route('**/v1/export-jobs?*', async (route) => {
    const url = new URL(route.request().url());
    url.searchParams.set('limit', '1');
    const response = await route.fetch({ url: url.href });
    const list = await response.json();
    if (list.jobs.some((j) => j.id === ids[0])) list.next_cursor = null;
    await route.fulfill({ response, json: list });
  });
  await page.getByRole('button', { name: 'Refresh' }).click();
  await row(page, ids[1]).waitFor();
  const announcer = page.locator('#announcer');

  await page.getByRole('button', { name: 'Older' }).focus();
  await page.keyboard.press('Enter');
  await row(page, ids[0]).waitFor();
  assert.ok(await page.getByRole('button', { name: 'Older' }).isDisabled());
  await focusedIs(page, 'newer');
  // A job seen queued by an earlier refresh is announced canceled first.
  assert.match(await announcer.textContent(), /(^|\. )Showing 1 export, page 2\.$/);

  await page.keyboard.press('Enter');
  await row(page, ids[1]).waitFor();
  await focusedIs(page, 'older');
  assert.match(await announcer.textContent(), /(^|\. )Showing 1 export, page 1\.$/);

  // A new filter says what it shows, or that nothing has this status.
  await page.getByLabel('Status', { exact: true }).selectOption('canceled');
  await until(async () => (await announcer.textContent()) === 'Showing 1 export with status “Canceled”, page 1.', { what: 'the filter announced' });
  await page.getByLabel('Status', { exact: true }).selectOption('failed');
  await until(async () => (await announcer.textContent()) === 'No exports with this status.', { what: 'the empty filter announced' });
});

test('Cancel: after a refresh redrew the row under the open dialog, the focus returns to that job', async () => {
  // Before: the dialog gave the focus back to the button that opened it,
  // which a refresh had replaced, so it fell to <body>.
  const page = await newPage(browser);
  await signIn(page, stack.url, 'focus-cancel');
  await fillWindow(page, { start: '2026-05-01', end: '2026-05-03', zone: 'UTC' });
  const job = await createThroughForm(page, { format: 'csv', label: 'focus check' });
  const r = row(page, job.id);
  const dialog = page.getByRole('dialog', { name: 'Cancel this export?' });
  const refreshed = () => page.waitForResponse((q) => /\/v1\/export-jobs\?/.test(q.url()));

  await r.getByRole('button', { name: 'Cancel' }).focus();
  // Marked, to know when a refresh has replaced it (by CSS: the row is inert behind the dialog).
  await r.locator('[data-action=cancel]').evaluate((b) => { b.dataset.before = 'yes'; });
  await page.keyboard.press('Enter');
  await dialog.waitFor();
  // The confirmation names the job with its label, not only its file name.
  await dialog.getByText(`${job.file_name} “focus check” will stop`).waitFor();
  // Something changes meanwhile (a job made elsewhere): a refresh that brings
  // the same list draws nothing, one that brings a change draws every row.
  assert.equal((await apiPost(page, stack.url, '/v1/export-jobs', { ...MAY, label: 'made meanwhile' })).status, 202);
  await refreshed();
  await until(() => r.locator('[data-action=cancel]').evaluate((b) => !b.dataset.before), { what: 'the row drawn again' });
  await page.keyboard.press('Escape');
  await focusedIs(page, `${job.id} cancel`);

  // Canceled: its Cancel button is gone, the focus stays in its row.
  await page.keyboard.press('Enter');
  await dialog.waitFor();
  await refreshed();
  await dialog.getByRole('button', { name: 'Cancel export' }).click();
  await r.getByText('Canceled', { exact: true }).waitFor();
  await focusedIs(page, `${job.id} run-again`);
});

test('Share, Contents, Download and Copy SHA-256 keep the focus on their job and say what happened', async () => {
  const page = await newPage(browser);
  await signIn(page, stack.url, 'focus-rows');
  // A queued job keeps the page refreshing every 2 s; the other one the
  // page is told is a completed bundle.
  const bundle = (await apiPost(page, stack.url, '/v1/export-jobs', { ...MAY, format: 'compliance-all', label: 'bundle' })).body;
  await apiPost(page, stack.url, '/v1/export-jobs', { ...MAY, label: 'still queued' });
  await page.route('**/v1/export-jobs?*', async (route) => {
    const response = await route.fetch();
    const list = await response.json();
    for (const job of list.jobs) {
      if (job.id === bundle.id) {
        Object.assign(job, {
          status: 'completed', event_count: 10, sha256: 'ab'.repeat(32), completed_at: job.created_at, expires_at: new Date(Date.now() + 7 * 86400000).toISOString(),
        });
      }
    }
    await route.fulfill({ response, json: list });
  });
  await page.getByRole('button', { name: 'Refresh' }).click();
  const r = row(page, bundle.id);
  await r.getByRole('button', { name: 'Share' }).waitFor();
  // Marked, to know when a refresh has replaced it (by CSS: the row is inert behind the dialog).
  const mark = (action) => r.locator(`[data-action=${action}]`).evaluate((b) => { b.dataset.before = 'yes'; });
  const redrawn = (action) => until(() => r.locator(`[data-action=${action}]`).evaluate((b) => !b.dataset.before), { what: 'the row drawn again' });

  // Share: closed after a refresh, back to this job's (new) Share button.
  await r.getByRole('button', { name: 'Share' }).focus();
  await mark('share');
  await page.keyboard.press('Enter');
  await page.getByRole('dialog', { name: /^Share / }).waitFor();
  await redrawn('share');
  await page.keyboard.press('Escape');
  await focusedIs(page, `${bundle.id} share`);

  // Contents: the panel says it could not read the bundle (an alert); Close
  // goes back to this job's Contents button.
  await r.getByRole('button', { name: 'Contents' }).focus();
  await page.keyboard.press('Enter');
  await page.locator('#bundle').getByRole('alert').filter({ hasText: 'The browser could not read the bundle' }).waitFor();
  await page.getByRole('button', { name: 'Close' }).focus();
  await page.keyboard.press('Enter');
  assert.ok(await page.locator('#bundle').isHidden());
  await focusedIs(page, `${bundle.id} bundle`);

  // Download (refused here: the job is not really completed): the button is
  // not disabled under the focus, which stays on it through the reload.
  await r.getByRole('button', { name: 'Download' }).focus();
  const asked = page.waitForResponse((q) => q.url().includes(`/${bundle.id}/download`));
  await page.keyboard.press('Enter');
  assert.equal((await asked).status(), 409);
  await until(async () => /Something went wrong/.test(await page.locator('#announcer').textContent()), { what: 'the refusal announced' });
  await focusedIs(page, `${bundle.id} download`);

  // Copy SHA-256: the button's new text is not announced; the page says it.
  await r.getByRole('button', { name: 'Copy SHA-256' }).click();
  await until(async () => (await page.locator('#announcer').textContent()) === 'SHA-256 copied.', { what: 'the copy announced' });
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'ab'.repeat(32));
  assert.deepEqual(page.jsErrors, []);
});

test('an empty form marks every date it needs, and the focus is on the first', async () => {
  // Before: only Start date said "Required."; End date, as empty, said nothing.
  const page = await newPage(browser);
  await signIn(page, stack.url, 'focus-form');
  await page.getByLabel('Start date').fill('');
  await page.getByLabel('End date').fill('');
  await page.getByRole('button', { name: 'Create export' }).click();
  for (const [label, error] of [['Start date', '#start-date-error'], ['End date', '#end-date-error']]) {
    assert.equal(await page.getByLabel(label).getAttribute('aria-invalid'), 'true', label);
    assert.equal(await page.locator(error).textContent(), 'Required.', label);
  }
  await focusedIs(page, 'start-date');
});
