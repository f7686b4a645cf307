// The Exports page against an API with no worker, so jobs stay queued:
// cancel (with its confirmation and the 409 path), paging and filtering,
// and the API's refusals of a new export in Spanish.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  apiPost, createThroughForm, EVENTS_REQUEST, fillWindow, newPage, row, shot, signIn, stackAndBrowser, until,
} from './harness.mjs';

let stack;
let browser;
stackAndBrowser((s, b) => {
  [stack, browser] = [s, b];
}, { worker: false });

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
  for (let i = 0; i < 10; i += 1) {
    assert.equal((await apiPost(page, stack.url, '/v1/export-jobs', { ...EVENTS_REQUEST, label: `busy ${i}` })).status, 202);
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
