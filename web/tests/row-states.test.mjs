// The history's rows in the states the local stack cannot reach on demand
// (completed, failed, expired, with rejected lines): the list's answer
// rewritten for real queued jobs (rewriteJobs), in English and Spanish.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  apiPost, EVENTS_REQUEST, newPage, rewriteJobs, row, shot, signIn, stackAndBrowser, until,
} from './harness.mjs';

let stack;
let browser;
stackAndBrowser((s, b) => {
  [stack, browser] = [s, b];
}, { worker: false });

test('failed rows say why; expired rows say so, cannot be downloaded, and offer Run again', async () => {
  // The local stack cannot make a job fail or expire on demand (expiry is at
  // least a day), so this test rewrites the API's list answer for two real jobs.
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme-states');
  const body = { type: 'events', format: 'json', date_from: '2026-05-01', date_to: '2026-05-02', timezone: 'Europe/Madrid' };
  const failed = (await apiPost(page, stack.url, '/v1/export-jobs', { ...body, label: 'will fail' })).body;
  const expired = (await apiPost(page, stack.url, '/v1/export-jobs', { ...body, label: 'long gone' })).body;
  const past = new Date(Date.now() - 3 * 86400000).toISOString();
  await rewriteJobs(page, (job) => {
    if (job.id === failed.id) {
      Object.assign(job, { status: 'failed', actions: [], error: { code: 'lake_unreadable', message: 'The event lake could not be read for 2026-05-01; try again later.' } });
    }
    if (job.id === expired.id) {
      Object.assign(job, {
        status: 'expired', actions: [], completed_at: past, expires_at: past, event_count: 1234, sha256: 'ab'.repeat(32),
        stats: { objects_read: 1, objects_skipped: 0, bytes_read: 1, lines_read: 1234, rejected_lines: 2, duplicates_removed: 0, rejected_samples: [] },
      });
    }
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
  const empty = (await apiPost(page, stack.url, '/v1/export-jobs', { ...EVENTS_REQUEST, label: 'nothing there' })).body;
  const full = (await apiPost(page, stack.url, '/v1/export-jobs', { ...EVENTS_REQUEST, label: 'something there' })).body;
  const later = new Date(Date.now() + 7 * 86400000).toISOString();
  await rewriteJobs(page, (job) => {
    const count = job.id === empty.id ? 0 : 12;
    Object.assign(job, { status: 'completed', actions: ['download'], progress: 1, event_count: count, sha256: 'cd'.repeat(32), expires_at: later });
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
  const job = (await apiPost(page, stack.url, '/v1/export-jobs', { ...EVENTS_REQUEST, label: 'with rejects' })).body;
  const object = 'events/tenant=acme-rejected/dt=2026-05-01/hour=10/kt-events-1.ndjson.gz';
  const samples = [
    { object, line: 7, reason: 'required field `event_id` is empty' },
    { object, line: 42, reason: 'not valid JSON: expected value at line 1 column 1' },
  ];
  const later = new Date(Date.now() + 7 * 86400000).toISOString();
  await rewriteJobs(page, (j) => {
    if (j.id !== job.id) return;
    Object.assign(j, {
      status: 'completed', actions: ['download'], progress: 1, event_count: 100, sha256: 'ef'.repeat(32), expires_at: later,
      stats: { objects_read: 1, objects_skipped: 0, bytes_read: 10, lines_read: 113, rejected_lines: 13, duplicates_removed: 0, rejected_samples: samples },
    });
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
  const job = (await apiPost(page, stack.url, '/v1/export-jobs', { ...EVENTS_REQUEST, label: 'odd samples' })).body;
  const later = new Date(Date.now() + 7 * 86400000).toISOString();
  await rewriteJobs(page, (j) => {
    if (j.id !== job.id) return;
    Object.assign(j, {
      status: 'completed', actions: ['download'], progress: 1, event_count: 100, sha256: 'ef'.repeat(32), expires_at: later,
      stats: { objects_read: 1, objects_skipped: 0, bytes_read: 10, lines_read: 101, rejected_lines: 1, duplicates_removed: 0, rejected_samples: [null] },
    });
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
  const lost = (await apiPost(page, stack.url, '/v1/export-jobs', { ...EVENTS_REQUEST, label: 'lost worker' })).body;
  const odd = (await apiPost(page, stack.url, '/v1/export-jobs', { ...EVENTS_REQUEST, label: 'odd code' })).body;
  // crates/domain/src/sweep.rs, worker_lost(3); and a code the page does not know.
  const lostWords = 'The export stopped without finishing and was not picked up again after 3 attempts. Create the export again; if it keeps happening, export a shorter window or contact support with the job id.';
  const oddWords = 'The event lake could not be read for 2026-05-01; try again later.';
  let failNow = false;
  await rewriteJobs(page, (job) => {
    if (!failNow) return;
    if (job.id === lost.id) Object.assign(job, { status: 'failed', actions: [], error: { code: 'worker_lost', message: lostWords } });
    if (job.id === odd.id) Object.assign(job, { status: 'failed', actions: [], error: { code: 'lake_unreadable', message: oddWords } });
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
  await apiPost(page, stack.url, '/v1/export-jobs', { ...EVENTS_REQUEST, label: 'made elsewhere' });
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
