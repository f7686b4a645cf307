// A scheduled export on the page: the tenant's profile enables the
// quarterly schedule, `kt-local schedule` runs the scheduler once against the
// page's own stack (its table and queue, named here rather than --fresh),
// and the job it creates (origin "schedule:quarterly") carries a
// "Scheduled" / "Programada" tag in the history; a person's job does not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  apiGet, apiPost, apiPut, ktLocal, newPage, resourceNames, row, shot, signIn, stackAndBrowser,
} from './harness.mjs';

const resources = resourceNames('kt-web-sched');
let stack;
let browser;
stackAndBrowser((s, b) => {
  [stack, browser] = [s, b];
}, { worker: false, resources });

test('a job the schedule created says so in its row, in words, in both languages', async () => {
  const page = await newPage(browser);
  await signIn(page, stack.url, 'sched-co');
  const profile = await apiPut(page, stack.url, '/v1/compliance-profile', {
    schedule: { enabled: true, formats: ['compliance-all'], timezone: 'Europe/Madrid' },
  });
  assert.equal(profile.status, 200, JSON.stringify(profile.body));
  // 03:30 in Madrid on 1 July 2026: the second quarter is due.
  const outcomes = await ktLocal(['schedule', '--time', '2026-07-01T01:30:00Z'], resources);
  assert.match(outcomes, /queued/);
  const mine = (await apiPost(page, stack.url, '/v1/export-jobs', {
    type: 'events', format: 'csv', date_from: '2026-05-01', date_to: '2026-05-02', timezone: 'UTC', label: 'by a person',
  })).body;

  // The list the page reads carries the origin.
  const list = (await apiGet(page, stack.url, '/v1/export-jobs')).body.jobs;
  const scheduled = list.find((j) => j.origin === 'schedule:quarterly');
  assert.ok(scheduled, JSON.stringify(list.map((j) => [j.id, j.origin])));
  assert.equal(list.find((j) => j.id === mine.id).origin, null);

  await page.getByRole('button', { name: 'Refresh' }).click();
  const s = row(page, scheduled.id);
  await s.getByText('Quarterly evidence 2026-Q2').waitFor();
  const tag = s.locator('th.file').getByText('Scheduled', { exact: true });
  await tag.waitFor();
  assert.equal(await tag.getAttribute('title'), 'Created by the schedule (schedule:quarterly), not by a person');
  await row(page, mine.id).getByText('by a person').waitFor();
  assert.equal(await row(page, mine.id).getByText('Scheduled', { exact: true }).count(), 0);

  await page.getByRole('button', { name: 'Español', exact: true }).click();
  await s.locator('th.file').getByText('Programada', { exact: true }).waitFor();
  assert.equal(await s.getByText('Scheduled', { exact: true }).count(), 0);
  await shot(page, 'scheduled-row');

  // On a phone the tag stays inside its cell (the table scrolls sideways by design).
  await page.setViewportSize({ width: 390, height: 844 });
  const inside = await s.locator('.tag').evaluate((t) => {
    const a = t.getBoundingClientRect();
    const b = t.closest('th, td').getBoundingClientRect();
    return a.left >= b.left && a.right <= b.right + 0.5;
  });
  assert.ok(inside, 'the tag overflows its cell at 390 px');
  await shot(page, 'scheduled-row-390');
});
