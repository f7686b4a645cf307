// "View report" on a completed compliance report job: the printable HTML
// (GET /v1/export-jobs/{id}/report.html, which needs the bearer token),
// opened in a new tab in the page's language. And a real download keeps
// the keyboard focus on its button.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createThroughForm, fillWindow, newPage, row, signIn, stackAndBrowser } from './harness.mjs';

let stack;
let browser;
stackAndBrowser((s, b) => {
  [stack, browser] = [s, b];
});

const MAY = { start: '2026-05-01', end: '2026-05-03', zone: 'UTC' };

test('View report opens a compliance job\'s printable report in the page\'s language; only those rows offer it', async () => {
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme');
  await fillWindow(page, MAY);
  const jobs = {};
  for (const format of ['compliance-aesia', 'compliance-ens', 'compliance-all', 'csv']) {
    jobs[format] = await createThroughForm(page, { format, label: `${format} report` });
  }
  for (const job of Object.values(jobs)) {
    await row(page, job.id).getByText('Completed', { exact: true }).waitFor({ timeout: 90000 });
  }
  for (const [format, job] of Object.entries(jobs)) {
    const offered = await row(page, job.id).getByRole('button', { name: 'View report' }).count();
    assert.equal(offered, format === 'compliance-all' || format === 'csv' ? 0 : 1, format);
  }

  for (const [language, lang, button] of [['Español', 'es', 'Ver informe'], ['English', 'en', 'View report']]) {
    await page.getByRole('button', { name: language, exact: true }).click();
    const asked = page.waitForRequest((q) => q.url().includes(`/${jobs['compliance-aesia'].id}/report.html`));
    const [tab] = await Promise.all([
      page.context().waitForEvent('page'),
      row(page, jobs['compliance-aesia'].id).getByRole('button', { name: button }).click(),
    ]);
    const request = await asked;
    assert.equal(new URL(request.url()).searchParams.get('lang'), lang);
    assert.match(request.headers().authorization ?? '', /^Bearer /);
    await tab.waitForURL(/^blob:/);
    await tab.waitForLoadState();
    const opened = await tab.evaluate(() => ({
      lang: document.documentElement.lang,
      title: document.title,
      // The report's own stylesheet applies (its body is at most 60rem wide).
      styled: getComputedStyle(document.body).maxWidth !== 'none',
    }));
    assert.equal(opened.lang, lang);
    assert.match(opened.title, /^compliance-aesia — acme$/);
    assert.ok(opened.styled, 'the report\'s stylesheet did not apply');
    await tab.close();
  }
  assert.deepEqual(page.jsErrors, []);
});

test('a download keeps the keyboard focus on its button', async () => {
  // Before: the button was disabled while the link was fetched, and the
  // focus fell to <body>.
  const page = await newPage(browser);
  await signIn(page, stack.url, 'acme-download');
  await fillWindow(page, MAY);
  const job = await createThroughForm(page, { format: 'csv' });
  const r = row(page, job.id);
  await r.getByText('Completed', { exact: true }).waitFor({ timeout: 90000 });
  await r.getByRole('button', { name: 'Download' }).focus();
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  assert.equal(download.suggestedFilename(), job.file_name);
  const focused = await page.evaluate(() => [document.activeElement.dataset.action, document.activeElement.closest('tr')?.dataset.jobId]);
  assert.deepEqual(focused, ['download', job.id]);
});

test('with new tabs blocked, View report opens the report in this tab', async () => {
  const page = await newPage(browser);
  // A popup blocker: window.open gives no window.
  await page.addInitScript(() => { window.open = () => null; });
  await signIn(page, stack.url, 'acme-blocked');
  await fillWindow(page, MAY);
  const job = await createThroughForm(page, { format: 'compliance-aepd' });
  const r = row(page, job.id);
  await r.getByText('Completed', { exact: true }).waitFor({ timeout: 90000 });
  await r.getByRole('button', { name: 'View report' }).click();
  await page.waitForURL(/^blob:/);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  assert.match(await page.title(), /^compliance-aepd — acme-blocked$/);
});
