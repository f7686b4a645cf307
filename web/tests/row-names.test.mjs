// What a screen reader hears of a history row (WCAG 1.3.1, 2.4.6): each row
// headed by its file, its window read with a word between its ends, a
// progress bar named by its job, and, where a message names a job, what
// tells it from another with the same file name. An API with no worker.
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

test('a row is headed by its file; its window reads "to" ("a") between its ends', async () => {
  const page = await newPage(browser);
  await signIn(page, stack.url, 'rows-header');
  await fillWindow(page, { start: '2026-05-01', end: '2026-05-03', zone: 'Europe/Madrid' });
  const job = await createThroughForm(page, { format: 'csv', label: 'Header check' });
  const r = row(page, job.id);
  // Before: the File cell was a td, and no row had a header.
  const header = r.getByRole('rowheader');
  assert.equal(await header.count(), 1);
  assert.match(await header.textContent(), new RegExp(`^${job.file_name.replaceAll('.', '\\.')}.*Header check`));
  // Before: "… 00:00 +02:00 3 May 2026, …", the arrow hidden and nothing in its place.
  await r.getByRole('cell', { name: /^1 May 2026, 00:00 \+02:00 to 3 May 2026, 24:00 \+02:00/ }).waitFor();
  await page.getByRole('button', { name: 'Español', exact: true }).click();
  await r.getByRole('cell', { name: /^1 may 2026, 0:00 \+02:00 a 3 may 2026, 24:00 \+02:00/ }).waitFor();
});

test('two jobs with the same file name are told apart where a message names them', async () => {
  const page = await newPage(browser);
  await signIn(page, stack.url, 'rows-names');
  // The same days in two zones: the same file name.
  await fillWindow(page, { start: '2026-05-01', end: '2026-05-03', zone: 'Europe/Madrid' });
  const madrid = await createThroughForm(page, { format: 'csv' });
  const announcer = page.locator('#announcer');
  // No label: the window in its zone, and the zone.
  assert.equal(await announcer.textContent(), `Export ${madrid.file_name} (1 May 2026, 00:00 +02:00 to 3 May 2026, 24:00 +02:00, Europe/Madrid) requested.`);
  await fillWindow(page, { start: '2026-05-01', end: '2026-05-03', zone: 'UTC' });
  const utc = await createThroughForm(page, { format: 'csv', label: 'UTC run' });
  assert.equal(utc.file_name, madrid.file_name);
  // A label: the label.
  assert.equal(await announcer.textContent(), `Export ${utc.file_name} “UTC run” requested.`);

  await row(page, madrid.id).getByRole('button', { name: 'Cancel' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cancel this export?' });
  await dialog.getByText(`${madrid.file_name} (1 May 2026, 00:00 +02:00 to 3 May 2026, 24:00 +02:00, Europe/Madrid) will stop`).waitFor();
  await dialog.getByRole('button', { name: 'Keep running' }).click();

  await page.getByRole('button', { name: 'Español', exact: true }).click();
  await row(page, utc.id).getByRole('button', { name: 'Cancelar' }).click();
  const spanish = page.getByRole('dialog', { name: '¿Cancelar esta exportación?' });
  await spanish.getByText(`${utc.file_name} «UTC run» se detendrá`).waitFor();
  await spanish.getByRole('button', { name: 'Cancelar exportación' }).click();
  await until(async () => (await announcer.textContent()) === `Exportación ${utc.file_name} «UTC run» cancelada.`, { what: 'the cancel announced in Spanish' });
});

test('a processing job\'s bar is named by its job and its figure is not read twice', async () => {
  // Before: "Processing 40 40%", the bar named only "Progress".
  const page = await newPage(browser);
  await signIn(page, stack.url, 'rows-progress');
  const job = (await apiPost(page, stack.url, '/v1/export-jobs', {
    type: 'events', format: 'csv', date_from: '2026-05-01', date_to: '2026-05-03', timezone: 'UTC', label: 'bar',
  })).body;
  await page.route('**/v1/export-jobs?*', async (route) => {
    const response = await route.fetch();
    const list = await response.json();
    for (const j of list.jobs) if (j.id === job.id) Object.assign(j, { status: 'processing', progress: 0.4 });
    await route.fulfill({ response, json: list });
  });
  await page.getByRole('button', { name: 'Refresh' }).click();
  const bar = row(page, job.id).getByRole('progressbar', { name: `Progress of ${job.file_name}` });
  await bar.waitFor();
  assert.equal(await bar.getAttribute('value'), '40');
  assert.equal(await row(page, job.id).getByText('40%').getAttribute('aria-hidden'), 'true');
});
