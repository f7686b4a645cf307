// The printable reports (crates/engine/src/formats/reports/html.rs), as
// their reviewed golden files hold them: on a phone (320 px) and at an A4
// page's printable width (718 CSS px) nothing runs past the edge, so no
// figure is cut off the paper or hidden off screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchBrowser } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const GOLDEN = path.join(here, '..', '..', 'crates', 'engine', 'tests', 'compliance', 'fixtures', 'expected');
const REPORTS = ['aesia', 'aepd', 'ens'].flatMap((f) =>
  ['es', 'en'].map((lang) => `compliance-${f}.${lang}.html`));

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

for (const width of [320, 718]) {
  test(`every report fits ${width} px without sideways scrolling`, async () => {
    for (const file of REPORTS) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      await page.goto(pathToFileURL(path.join(GOLDEN, file)).href);
      const { scrollWidth, clientWidth, sections } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
        sections: document.querySelectorAll('main section').length,
      }));
      assert.ok(sections > 5, `${file}: the report's sections are in <main>`);
      assert.equal(scrollWidth, clientWidth, `${file} at ${width} px scrolls sideways`);
      await page.close();
    }
  });
}
