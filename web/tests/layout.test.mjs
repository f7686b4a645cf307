// The history table on a common laptop screen (1280 px wide): every column,
// Actions included, is visible without scrolling sideways, in both languages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import path from 'node:path';
import {
  apiPost, ARTIFACTS, createThroughForm, fillWindow, newPage, row, shot, signIn, stackAndBrowser,
} from './harness.mjs';

let stack;
let browser;
stackAndBrowser((s, b) => {
  [stack, browser] = [s, b];
});

test('at 1280 px the history fits its card, Actions included', async () => {
  const page = await newPage(browser, { viewport: { width: 1280, height: 900 } });
  await signIn(page, stack.url, 'acme');
  await fillWindow(page, { start: '2026-05-01', end: '2026-05-03', zone: 'Europe/Madrid' });
  // The longest file name and window a row holds: a bundle in a zone with an offset.
  const job = await createThroughForm(page, { format: 'compliance-all', label: 'Q2 audit packet for the external auditor' });
  // And the widest expiry: an export kept for five years ("Kept until ...").
  // Before: with one in the history, Actions was cut off at 1280 px.
  const kept = await apiPost(page, stack.url, '/v1/export-jobs', {
    type: 'events', format: 'compliance-ens', date_from: '2026-05-01', date_to: '2026-05-03', timezone: 'UTC', retention_days: 1825,
  });
  assert.equal(kept.status, 202, JSON.stringify(kept.body));
  await page.getByRole('button', { name: 'Refresh' }).click();
  const rows = [row(page, job.id), row(page, kept.body.id)];
  for (const r of rows) await r.getByText('Completed', { exact: true }).waitFor({ timeout: 90000 });
  for (const language of ['English', 'Español']) {
    await page.getByRole('button', { name: language, exact: true }).click();
    await rows[0].locator('td.actions button').first().waitFor();
    await shot(page, `history-1280-${language === 'English' ? 'en' : 'es'}`);
    const wrap = await page.locator('.table-wrap').evaluate((w) => ({ scroll: w.scrollWidth, client: w.clientWidth }));
    assert.ok(wrap.scroll <= wrap.client, `${language}: the table is ${wrap.scroll} px wide in ${wrap.client} px`);
    const box = await page.locator('.table-wrap').boundingBox();
    for (const r of rows) {
      for (const button of await r.locator('td.actions button').all()) {
        const b = await button.boundingBox();
        assert.ok(b.x + b.width <= box.x + box.width, `${language}: ${await button.textContent()} is cut off`);
      }
    }
  }
});

test('at 390 px every control of the form and the history toolbar stays inside its card', async () => {
  // Before: the optional time inputs and the Refresh button ran past the
  // card's edge on a phone (390 px), in both languages.
  const page = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await signIn(page, stack.url, 'acme');
  for (const language of ['English', 'Español']) {
    await page.getByRole('button', { name: language, exact: true }).click();
    const outside = await page.evaluate(() => {
      const out = [];
      for (const card of document.querySelectorAll('.card')) {
        const edge = card.getBoundingClientRect().right;
        for (const e of card.querySelectorAll('input, button, select, textarea, label')) {
          // The history's rows scroll sideways in their own box, by design.
          if (e.closest('.table-wrap')) continue;
          const r = e.getBoundingClientRect();
          if (r.width && r.right > edge + 0.5) out.push(`${e.id || e.textContent.trim()} ends at ${Math.round(r.right)} > ${Math.round(edge)}`);
        }
      }
      return out;
    });
    assert.deepEqual(outside, [], language);
  }
  await shot(page, 'exports-390');
});

test('at 390 px the empty history says so in view, not cut off by the wider table', async () => {
  // Before: the message was centred in the table's full width, its end out of
  // the card until one scrolled sideways.
  const page = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await signIn(page, stack.url, 'emptyco');
  const message = page.locator('tr.empty p');
  await message.waitFor();
  const wrap = await page.locator('.table-wrap').boundingBox();
  const box = await message.boundingBox();
  assert.ok(box.x >= wrap.x && box.x + box.width <= wrap.x + wrap.width + 0.5,
    `the message spans ${Math.round(box.x)}-${Math.round(box.x + box.width)} in ${Math.round(wrap.x)}-${Math.round(wrap.x + wrap.width)}`);
  await shot(page, 'empty-history-390');
});

test('at 390 px a long tenant name leaves the top bar\'s controls on the screen', async () => {
  // Before: "Español" ran off the right edge when the tenant's name wrapped.
  const page = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await signIn(page, stack.url, 'northwind-traders-emea');
  for (const language of ['English', 'Español']) {
    await page.getByRole('button', { name: language, exact: true }).click();
    const outside = await page.evaluate(() => [...document.querySelectorAll('.topbar a, .topbar button')]
      .filter((e) => e.getBoundingClientRect().width && e.getBoundingClientRect().right > window.innerWidth + 0.5)
      .map((e) => `${e.textContent.trim()} ends at ${Math.round(e.getBoundingClientRect().right)}`));
    assert.deepEqual(outside, [], language);
  }
  await shot(page, 'topbar-390');
});

test('at 390 px each job is a block: its status and buttons in view without scrolling sideways', async () => {
  // Before: the history was a nine-column table 1265 px wide in a 298 px
  // box, its status and Download four screen-widths to the right.
  const page = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await signIn(page, stack.url, 'acme');
  await fillWindow(page, { start: '2026-05-01', end: '2026-05-03', zone: 'Europe/Madrid' });
  const job = await createThroughForm(page, { format: 'csv', label: 'Phone check' });
  const r = row(page, job.id);
  await r.getByText('Completed', { exact: true }).waitFor({ timeout: 90000 });
  for (const language of ['English', 'Español']) {
    await page.getByRole('button', { name: language, exact: true }).click();
    await r.locator('td.actions button').first().waitFor();
    const wrap = await page.locator('.table-wrap').evaluate((w) => ({ scroll: w.scrollWidth, client: w.clientWidth }));
    assert.ok(wrap.scroll <= wrap.client, `${language}: the history is ${wrap.scroll} px wide in ${wrap.client} px`);
    for (const target of [r.locator('.status'), ...await r.locator('td.actions button').all()]) {
      const b = await target.boundingBox();
      assert.ok(b.x >= 0 && b.x + b.width <= 390, `${language}: ${await target.textContent()} is off the screen (${b.x}..${b.x + b.width})`);
    }
    // Each line says what it is, in the page's language, for the eye; its
    // alternative text is empty (a screen reader says the column's header).
    const labels = await r.locator('td[data-label]').evaluateAll((tds) => tds.map((td) => getComputedStyle(td, '::before').content));
    assert.ok(labels.includes(language === 'English' ? '"Status" / ""' : '"Estado" / ""'), labels.join(','));
    await shot(page, `history-390-${language === 'English' ? 'en' : 'es'}`);
  }
});

test('from 1279 px down to 561 px (a laptop at 200% zoom is 640 px) the history does not scroll sideways', async () => {
  // Before: between 560 and about 1260 px the nine columns (1,112 px in
  // English, 1,169 in Spanish) scrolled sideways inside their box.
  const page = await newPage(browser, { viewport: { width: 1280, height: 900 } });
  await signIn(page, stack.url, 'acme');
  await fillWindow(page, { start: '2026-05-01', end: '2026-05-03', zone: 'Europe/Madrid' });
  const job = await createThroughForm(page, { format: 'compliance-all', label: 'Q2 audit packet for the external auditor' });
  const r = row(page, job.id);
  await r.getByText('Completed', { exact: true }).waitFor({ timeout: 90000 });
  for (const language of ['English', 'Español']) {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('button', { name: language, exact: true }).click();
    await r.locator('td.actions button').first().waitFor();
    for (const width of [1279, 1200, 1024, 800, 640, 561]) {
      await page.setViewportSize({ width, height: 900 });
      const sizes = await page.evaluate(() => {
        const wrap = document.querySelector('.table-wrap');
        return { page: document.documentElement.scrollWidth, wrap: wrap.scrollWidth, box: wrap.clientWidth };
      });
      assert.ok(sizes.page <= width, `${language} at ${width} px: the page is ${sizes.page} px wide`);
      assert.ok(sizes.wrap <= sizes.box, `${language} at ${width} px: the history is ${sizes.wrap} px wide in ${sizes.box} px`);
      for (const target of [r.locator('.status'), ...await r.locator('td.actions button').all()]) {
        const b = await target.boundingBox();
        assert.ok(b.x >= 0 && b.x + b.width <= width, `${language} at ${width} px: ${await target.textContent()} is off the screen`);
      }
      if (width === 640) await shot(page, `history-640-${language === 'English' ? 'en' : 'es'}`);
    }
  }
  // Still a table to a screen reader: a cell, heard with its column's header
  // and not with the label drawn before it.
  const cdp = await page.context().newCDPSession(page);
  const { result } = await cdp.send('Runtime.evaluate', { expression: `document.querySelector('tr[data-job-id="${job.id}"] td.num')` });
  const { nodes } = await cdp.send('Accessibility.getPartialAXTree', { objectId: result.objectId, fetchRelatives: false });
  const cell = nodes.find((n) => !n.ignored);
  assert.equal(cell.role.value, 'cell', JSON.stringify(cell.role));
  assert.doesNotMatch(cell.name?.value ?? '', /Eventos|Events/, JSON.stringify(cell.name));
});

test('file names break only after "_", a long failure reason is clamped, job cards say "to", the inventory stacks at 375 px', async () => {
  const page = await newPage(browser, { viewport: { width: 1440, height: 1000 } });
  await signIn(page, stack.url, 'acme');
  await fillWindow(page, { start: '2026-05-01', end: '2026-05-03', zone: 'UTC' });
  const bundle = await createThroughForm(page, { format: 'compliance-all', label: 'Layout bundle' });
  // A failed job's reason as long as the service writes them (crates/service/src/worker/).
  const failing = (await apiPost(page, stack.url, '/v1/export-jobs', {
    type: 'events', format: 'csv', date_from: '2026-05-05', date_to: '2026-05-05', timezone: 'UTC', label: 'Corrupt day',
  })).body;
  const reason = 'Part of the event log for this window is damaged: the object events/tenant=acme/dt=2026-05-05/hour=00/kt-events-firehose-1-2026-05-05-00-00-00-deadbeef.ndjson.gz is not valid gzip or is truncated, and the export stopped there rather than leave its events out. Contact support with the job id; the object has to be delivered again or removed before this window can be exported.';
  await page.route('**/v1/export-jobs?*', async (route) => {
    const response = await route.fetch();
    const list = await response.json();
    for (const j of list.jobs) {
      if (j.id === failing.id) Object.assign(j, { status: 'failed', actions: [], error: { code: 'source_unreadable', message: reason } });
    }
    await route.fulfill({ response, json: list });
  });
  await page.getByRole('button', { name: 'Refresh' }).click();
  const b = row(page, bundle.id);
  const f = row(page, failing.id);
  await b.getByText('Completed', { exact: true }).waitFor({ timeout: 90000 });
  await f.getByText('Failed', { exact: true }).waitFor();

  // 1440 px: no file name breaks inside a date; each date's part is on one line.
  const broken = await page.locator('#jobs th.file .file-name .nw').evaluateAll((parts) => parts
    .filter((p) => p.getClientRects().length !== 1).map((p) => p.textContent));
  assert.deepEqual(broken, []);
  assert.ok(await page.locator('#jobs th.file .file-name .nw').count() >= 6, 'the dates are kept whole');
  assert.equal(await b.locator('.file-name').textContent(), bundle.file_name);
  // The failed row is not a tower: three lines of its reason, the rest a click away.
  const short = (await f.boundingBox()).height;
  assert.ok(short < 170, `the failed row is ${short} px tall`);
  const more = f.getByRole('button', { name: 'Show the whole reason' });
  assert.equal(await more.getAttribute('aria-expanded'), 'false');
  // The whole reason is in the document (a screen reader hears it all).
  assert.equal(await f.locator('.reason').textContent(), reason);
  await page.locator('#jobs').screenshot({ path: path.join(ARTIFACTS, 'jobs-1440.png') });
  await more.click();
  const opened = f.getByRole('button', { name: 'Show less' });
  assert.equal(await opened.getAttribute('aria-expanded'), 'true');
  assert.ok((await f.boundingBox()).height > short + 40, 'opened, the reason shows whole');
  await opened.click();
  assert.equal(await more.getAttribute('aria-expanded'), 'false');

  // 375 px: each job card says "to" ("a") between its window's ends, as the wide row's arrow does.
  await page.setViewportSize({ width: 375, height: 800 });
  for (const [language, word] of [['Español', 'a'], ['English', 'to']]) {
    await page.getByRole('button', { name: language, exact: true }).click();
    const to = b.locator('td.window .window-to');
    assert.ok(await to.isVisible(), language);
    assert.equal((await to.textContent()).trim(), word);
    const [start, end] = await b.locator('td.window time').all();
    const [s, t, e] = [await start.boundingBox(), await to.boundingBox(), await end.boundingBox()];
    assert.ok(s.y < t.y && t.y < e.y, `${language}: "${word}" is between the ends`);
  }
  await shot(page, 'history-375');

  // The bundle's inventory: each file a card, its check first, nothing off the screen.
  await b.getByRole('button', { name: 'Contents' }).click();
  const panel = page.locator('#bundle');
  await panel.getByText(/^Bundle read: 13 files checked/).waitFor({ timeout: 30000 });
  const inventory = panel.locator('table.inventory');
  const wrap = await inventory.evaluate((t) => ({ scroll: t.parentElement.scrollWidth, client: t.parentElement.clientWidth }));
  assert.ok(wrap.scroll <= wrap.client, `the inventory is ${wrap.scroll} px wide in ${wrap.client} px`);
  const cards = await inventory.locator('tbody tr').evaluateAll((rows) => rows.map((r) => {
    const box = (sel) => r.querySelector(sel).getBoundingClientRect();
    return {
      path: r.querySelector('td.path').textContent,
      checkFirst: box('td.check').top < box('td.path').top,
      inView: ['td.check', 'td.hash', 'td.path'].every((sel) => box(sel).right <= window.innerWidth && box(sel).left >= 0),
      // No blank space: the card is about as tall as its five lines.
      height: r.getBoundingClientRect().height,
    };
  }));
  assert.equal(cards.length, 13);
  for (const c of cards) {
    assert.ok(c.checkFirst, `${c.path}: the check comes first`);
    assert.ok(c.inView, `${c.path}: a line is off the screen`);
    assert.ok(c.height < 180, `${c.path}: ${c.height} px tall`);
  }
  await inventory.screenshot({ path: path.join(ARTIFACTS, 'inventory-375.png') });
  await page.locator('#jobs').screenshot({ path: path.join(ARTIFACTS, 'jobs-375.png') });
  await page.setViewportSize({ width: 1440, height: 1000 });
  await inventory.screenshot({ path: path.join(ARTIFACTS, 'inventory-1440.png') });
  assert.deepEqual(page.jsErrors, []);
});
