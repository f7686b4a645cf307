// Answers the page did not expect: one job the browser cannot show (an
// instant its Date does not read) must not blank the history (before, a
// stored window_start of "…T23:59:60Z" made every row vanish behind
// "Something went wrong: " with no detail), and an error that is not
// problem+json (API Gateway's {"message"}, a proxy's HTML) still says what
// happened (before: "The export was not created:" and nothing after it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiPost, newPage, row, signIn, stackAndBrowser } from './harness.mjs';

let stack;
let browser;
stackAndBrowser((s, b) => {
  [stack, browser] = [s, b];
}, { worker: false });

test('a job the page cannot format still leaves the other rows and says what it is', async () => {
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme');
  const created = await apiPost(page, stack.url, '/v1/export-jobs', {
    type: 'events', format: 'csv', date_from: '2026-05-01', date_to: '2026-05-02', label: 'ordinary',
  });
  assert.equal(created.status, 202);
  const good = created.body;
  const odd = {
    ...good, id: 'job_01m92mkgnp797h04n6wha8vpck', label: 'odd', window_start: '2026-05-01T23:59:60Z',
  };
  await page.route('**/v1/export-jobs?*', async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    body.jobs = [odd, ...body.jobs];
    await route.fulfill({ response, json: body });
  });
  await page.getByRole('button', { name: 'Refresh' }).click();

  await row(page, good.id).getByText('ordinary').waitFor();
  const oddRow = row(page, odd.id);
  await oddRow.waitFor();
  await oddRow.getByText(odd.file_name).waitFor();
  await oddRow.getByText('Queued', { exact: true }).waitFor();
  assert.equal(await page.locator('#history-error').isVisible(), false);
  assert.deepEqual(page.jsErrors, []);
});

test('errors that are not problem+json still say what happened', async () => {
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme');
  await page.route('**/v1/export-jobs', (route) => (route.request().method() === 'POST'
    ? route.fulfill({ status: 503, contentType: 'application/json', body: '{"message":"Service Unavailable"}' })
    : route.continue()));
  await page.route('**/v1/export-jobs?*', (route) => route.fulfill({
    status: 500, contentType: 'text/html', body: '<html><body>Internal Server Error</body></html>',
  }));
  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.locator('#history-error').getByText('Something went wrong: HTTP 500').waitFor();

  await page.locator('#start-date').fill('2026-05-01');
  await page.locator('#end-date').fill('2026-05-02');
  await page.locator('#timezone').fill('UTC');
  await page.locator('#submit').click();
  await page.locator('#form-errors').getByText('Service Unavailable').waitFor();
  assert.deepEqual(page.jsErrors, []);
});
