// The Share action against a whole local stack: create a link for a
// completed export, copy it, open it without any token (the bytes are the
// job's), see it listed, revoke it (410 from then on), the API's limits shown
// in the dialog, axe on the open dialog, and the trail the job keeps.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import {
  apiGet, apiPost, createThroughForm, fillWindow, newPage, row, shot, signIn, stackAndBrowser,
} from './harness.mjs';

let stack;
let browser;
stackAndBrowser((s, b) => {
  [stack, browser] = [s, b];
});

const MAY = { start: '2026-05-01', end: '2026-05-03', zone: 'UTC' };

test('shares a completed export: the copied link opens without a token until it is revoked', async () => {
  const page = await newPage(browser, { bypassCSP: true });
  await signIn(page, stack.url, 'acme');
  await fillWindow(page, MAY);
  const job = await createThroughForm(page, { format: 'csv', label: 'For the auditor' });
  const r = row(page, job.id);
  await r.getByText('Completed', { exact: true }).waitFor({ timeout: 60000 });
  const done = (await apiGet(page, stack.url, `/v1/export-jobs/${job.id}`)).body;

  await r.getByRole('button', { name: 'Share' }).click();
  const dialog = page.getByRole('dialog', { name: `Share ${done.file_name}` });
  await dialog.waitFor();
  // Focus starts on the recipient; the days are bounded by the file's expiry (7 days).
  assert.equal(await page.evaluate(() => document.activeElement.id), 'share-note');
  assert.equal(await dialog.getByLabel('Valid for (days)').getAttribute('max'), '7');
  await dialog.getByText('No links yet.').waitFor();
  // No link to send before one is made.
  assert.equal(await dialog.getByLabel('Link to send').isVisible(), false);
  assert.equal(await dialog.getByRole('button', { name: 'Copy link' }).isVisible(), false);

  // Without a recipient: said, in the dialog, on the field.
  await dialog.getByRole('button', { name: 'Create link' }).click();
  await dialog.getByText('Say who the link is for.').waitFor();
  assert.equal(await dialog.getByLabel('Recipient').getAttribute('aria-invalid'), 'true');

  // Longer than the file is kept: the API's 422, shown on the days field.
  await dialog.getByLabel('Recipient').fill('Ana Pérez, external auditor');
  await dialog.getByLabel('Valid for (days)').fill('40');
  await dialog.getByRole('button', { name: 'Create link' }).click();
  // Under the field, as a sentence: no raw field name, the date as the hint says it (not an ISO instant).
  const daysError = dialog.locator('#share-days-error');
  await daysError.getByText(/at most 7 days/).waitFor();
  const daysText = await daysError.textContent();
  assert.match(daysText, /^The file is kept until .+, so a link can last at most 7 days\.$/);
  assert.doesNotMatch(daysText, /expires_in_days|\d{4}-\d{2}-\d{2}T/);
  const hintDate = (await dialog.locator('#share-days-hint').textContent()).match(/the file is deleted (.+)\.$/)[1];
  assert.ok(daysText.includes(`kept until ${hintDate},`), `${daysText} / ${hintDate}`);
  assert.equal(await dialog.locator('#share-error').isVisible(), false, 'not in a banner above the form');
  assert.equal(await dialog.getByLabel('Valid for (days)').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'share-days');
  assert.match(await dialog.getByLabel('Valid for (days)').getAttribute('aria-describedby'), /share-days-error/);
  // Zero days: the API's rule, said as a sentence under the field.
  await dialog.getByLabel('Valid for (days)').fill('0');
  await dialog.getByRole('button', { name: 'Create link' }).click();
  await daysError.getByText('Enter a whole number of days, 1 or more.', { exact: true }).waitFor();

  await dialog.getByLabel('Valid for (days)').fill('3');
  await dialog.getByRole('button', { name: 'Create link' }).click();
  const urlBox = dialog.getByLabel('Link to send');
  await page.waitForFunction(() => document.getElementById('share-url').value !== '');
  const url = await urlBox.inputValue();
  assert.equal(await dialog.getByLabel('Valid for (days)').getAttribute('aria-invalid'), null);
  assert.match(url, /\/v1\/shared\/[A-Za-z0-9_-]{43}$/);
  await dialog.getByRole('button', { name: 'Copy link' }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), url);
  const listed = dialog.locator('tr[data-link-id]');
  await listed.getByText('Active').waitFor();
  await listed.getByText('Ana Pérez, external auditor').waitFor();
  await shot(page, 'share-dialog');

  // axe on the page with the dialog open.
  const require = createRequire(import.meta.url);
  await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  assert.deepEqual(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), []);

  // The auditor: plain HTTP, no token, follows the 303 to the file.
  const opened = await fetch(url, { redirect: 'manual' });
  assert.equal(opened.status, 303);
  const file = await fetch(opened.headers.get('location'));
  assert.equal(file.status, 200);
  const bytes = Buffer.from(await file.arrayBuffer());
  assert.equal(createHash('sha256').update(bytes).digest('hex'), done.sha256);

  // On a phone the links fit the dialog: Revoke is on screen, not behind a
  // sideways scroll (the table was 371 px in a 301 px dialog at 375 px).
  await page.setViewportSize({ width: 375, height: 800 });
  const revoke = listed.getByRole('button', { name: 'Revoke the link for Ana Pérez, external auditor' });
  const fits = await page.locator('#share-links').evaluate((box) => {
    const dialog = box.closest('dialog').getBoundingClientRect();
    const button = box.querySelector('button[data-action=revoke]').getBoundingClientRect();
    return { overflow: box.scrollWidth - box.clientWidth, inside: button.right <= dialog.right };
  });
  assert.deepEqual(fits, { overflow: 0, inside: true });
  await page.setViewportSize({ width: 1440, height: 1000 });

  // Revoke from the list: the link is gone (410), the row says so.
  await revoke.click();
  await listed.getByText('Revoked').waitFor();
  const gone = await fetch(url, { redirect: 'manual' });
  assert.equal(gone.status, 410);
  assert.equal(gone.headers.get('content-type'), 'application/problem+json');

  await dialog.getByRole('button', { name: 'Close' }).click();
  assert.equal(await dialog.isVisible(), false);

  // The trail: created, completed, the link's life and its use, in order.
  const trail = (await apiGet(page, stack.url, `/v1/export-jobs/${job.id}/audit`)).body;
  assert.deepEqual(trail.entries.map((e) => e.event),
    ['created', 'completed', 'link_created', 'downloaded', 'link_revoked']);
  assert.equal(trail.entries[3].by.kind, 'link');
  assert.equal(trail.entries[3].source_ip, '127.0.0.1');
  assert.deepEqual(page.jsErrors, []);
});

test('a retained evidence export says it is kept until its retention ends, and can be shared that long', async () => {
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme-retained');
  const created = await apiPost(page, stack.url, '/v1/export-jobs', {
    type: 'events', format: 'compliance-ens', date_from: MAY.start, date_to: MAY.end, timezone: MAY.zone,
    label: 'Kept for the audit', retention_days: 400,
  });
  assert.equal(created.status, 202, JSON.stringify(created.body));
  await page.getByRole('button', { name: 'Refresh' }).click();
  const r = row(page, created.body.id);
  await r.getByText('Completed', { exact: true }).waitFor({ timeout: 60000 });
  const done = (await apiGet(page, stack.url, `/v1/export-jobs/${created.body.id}`)).body;
  assert.ok(Date.parse(done.retained_until) > Date.parse(done.expires_at), JSON.stringify(done));
  // The row names the end of the retention, not the 7-day expiry before it.
  await page.getByRole('button', { name: 'Refresh' }).click();
  await r.getByText('Kept until', { exact: true }).waitFor();
  assert.equal(await r.locator('td', { hasText: 'Kept until' }).locator('time').getAttribute('datetime'), done.retained_until);
  // Links may last as long as the file is kept (the API's own maximum).
  await r.getByRole('button', { name: 'Share' }).click();
  const dialog = page.getByRole('dialog', { name: `Share ${done.file_name}` });
  await dialog.waitFor();
  const max = Math.ceil((Date.parse(done.retained_until) - Date.now()) / 86400000);
  assert.equal(await dialog.getByLabel('Valid for (days)').getAttribute('max'), String(max));
  await dialog.getByLabel('Recipient').fill('Audit firm');
  await dialog.getByLabel('Valid for (days)').fill(String(max));
  await dialog.getByRole('button', { name: 'Create link' }).click();
  await page.waitForFunction(() => document.getElementById('share-url').value !== '');
  await shot(page, 'retained-export');
});

test('the Share dialog speaks Spanish', async () => {
  const page = await newPage(browser);
  await signIn(page, stack.url, 'globex');
  await fillWindow(page, MAY);
  const job = await createThroughForm(page, { format: 'json' });
  const r = row(page, job.id);
  await r.getByText('Completed', { exact: true }).waitFor({ timeout: 60000 });
  await page.getByRole('button', { name: 'Español' }).click();
  await r.getByRole('button', { name: 'Compartir' }).click();
  const dialog = page.getByRole('dialog', { name: /^Compartir / });
  await dialog.getByText('Aún no hay enlaces.').waitFor();
  await dialog.getByLabel('Destinatario').waitFor();
  // The page addresses the reader as "usted" throughout, the dialog too (it said
  // "lo revoques", "cópialo", "Indica" beside "Elija", "Pulse", "Descárguelo").
  await dialog.getByRole('button', { name: 'Crear enlace' }).click();
  await dialog.getByText('Indique para quién es el enlace.').waitFor();
  await dialog.getByLabel('Destinatario').fill('Ana Pérez, auditora externa');
  // The API's refusal (422: longer than the file is kept) in Spanish too; it was English.
  await dialog.getByLabel('Válido durante (días)').fill('40');
  await dialog.getByRole('button', { name: 'Crear enlace' }).click();
  await dialog.locator('#share-days-error')
    .getByText(/^El archivo de la exportación se conserva hasta el .+, así que un enlace puede durar como máximo 7 días\.$/).waitFor();
  assert.equal(await dialog.getByLabel('Válido durante (días)').getAttribute('aria-invalid'), 'true');
  await dialog.getByLabel('Válido durante (días)').fill('3');
  await dialog.getByRole('button', { name: 'Crear enlace' }).click();
  await page.waitForFunction(() => document.getElementById('share-url').value !== '');
  const words = await dialog.evaluate((d) => d.innerText);
  assert.match(words, /hasta que el enlace caduque o usted lo revoque\./);
  assert.match(words, /cópielo antes de cerrar/);
  assert.doesNotMatch(words, /\b(revoques|cópialo|Indica)\b/);
  await dialog.getByRole('button', { name: 'Cerrar', exact: true }).click();
  assert.equal(await dialog.isVisible(), false);
});

test('revoking a link clears the refusal of the 51st: the dialog no longer says to revoke one', async () => {
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme-links');
  const created = await apiPost(page, stack.url, '/v1/export-jobs', {
    type: 'events', format: 'csv', date_from: MAY.start, date_to: MAY.end, timezone: MAY.zone,
  });
  assert.equal(created.status, 202, JSON.stringify(created.body));
  await page.getByRole('button', { name: 'Refresh' }).click();
  const r = row(page, created.body.id);
  await r.getByText('Completed', { exact: true }).waitFor({ timeout: 60000 });
  for (let i = 1; i <= 50; i += 1) {
    const link = await apiPost(page, stack.url, `/v1/export-jobs/${created.body.id}/links`, { note: `Auditor ${i}`, expires_in_days: 1 });
    assert.equal(link.status, 201, JSON.stringify(link.body));
  }
  await r.getByRole('button', { name: 'Share' }).click();
  const dialog = page.getByRole('dialog', { name: /^Share / });
  await dialog.getByLabel('Recipient').fill('Auditor 51');
  await dialog.getByRole('button', { name: 'Create link' }).click();
  const refusal = dialog.getByText(/already has 50 live share links/);
  await refusal.waitFor();
  await dialog.getByRole('button', { name: 'Revoke the link for Auditor 50' }).click();
  await dialog.locator('tr[data-status="revoked"]').waitFor();
  assert.equal(await refusal.isVisible(), false, 'the refusal no longer holds once a link is revoked');
  await dialog.getByRole('button', { name: 'Create link' }).click();
  await page.waitForFunction(() => document.getElementById('share-url').value !== '');
  assert.deepEqual(page.jsErrors, []);
});

test('a file kept less than a day more: the dialog says "1 day", in English and Spanish', async () => {
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme-oneday');
  const created = await apiPost(page, stack.url, '/v1/export-jobs', {
    type: 'events', format: 'csv', date_from: MAY.start, date_to: MAY.end, timezone: MAY.zone, expires_in_days: 1,
  });
  assert.equal(created.status, 202, JSON.stringify(created.body));
  await page.getByRole('button', { name: 'Refresh' }).click();
  const r = row(page, created.body.id);
  await r.getByText('Completed', { exact: true }).waitFor({ timeout: 60000 });
  await r.getByRole('button', { name: 'Share' }).click();
  const dialog = page.getByRole('dialog', { name: /^Share / });
  assert.equal(await dialog.getByLabel('Valid for (days)').getAttribute('max'), '1');
  const hint = page.locator('#share-days-hint');
  assert.match(await hint.textContent(), /^At most 1 day: the file is deleted /);
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await page.getByRole('button', { name: 'Español' }).click();
  await r.getByRole('button', { name: 'Compartir' }).click();
  assert.match(await hint.textContent(), /^Como máximo 1 día: el archivo se elimina el /);
});
