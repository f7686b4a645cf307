// Regenerates docs/img/exports-page.png from a real local stack of its own:
//   cd web && KT_LOCAL_BIN=... node tools/readme-screenshot.mjs
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  apiPost, launchBrowser, newPage, row, signIn, startStack,
} from '../tests/harness.mjs';

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'img', 'exports-page.png');
const stack = await startStack();
const browser = await launchBrowser();
try {
  const page = await newPage(browser, { viewport: { width: 1440, height: 900 } });
  await signIn(page, stack.url, 'acme');
  const may = { type: 'events', date_from: '2026-05-01', date_to: '2026-05-03', timezone: 'UTC' };
  const jobs = [];
  for (const [format, label] of [['json', 'Incident 4411: raw events for engineering'], ['compliance-all', 'Q2 audit packet'], ['csv', 'May control check']]) {
    jobs.push((await apiPost(page, stack.url, '/v1/export-jobs', { ...may, format, label })).body);
  }
  const canceled = (await apiPost(page, stack.url, '/v1/export-jobs', { ...may, format: 'compliance-ens', timezone: 'Europe/Madrid', label: 'ENS review (superseded)' })).body;
  await apiPost(page, stack.url, `/v1/export-jobs/${canceled.id}/cancel`);
  await page.getByRole('button', { name: 'Refresh' }).click();
  for (const job of jobs) await row(page, job.id).getByText('Completed', { exact: true }).waitFor({ timeout: 90000 });
  await page.getByRole('button', { name: 'Last quarter' }).click();
  await page.getByRole('radio', { name: 'compliance-all', exact: true }).check();
  await page.getByLabel('Label').fill('Q3 evidence for the external auditor');
  await page.mouse.move(0, 0);
  await page.screenshot({ path: out, fullPage: true });
  console.log(out);
} finally {
  await browser.close();
  await stack.stop();
}
