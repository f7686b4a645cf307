// Contrast as the browser computes it from app.css (WCAG 2.2 AA): text
// at least 4.5:1 on its own background (1.4.3), a field's edge and the focus
// ring at least 3:1 against what is next to them (1.4.11), and the chosen
// language shown by more than its background (1.4.1).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newPage, stackAndBrowser } from './harness.mjs';

let stack;
let browser;
stackAndBrowser((s, b) => {
  [stack, browser] = [s, b];
}, { worker: false });

/** In the page: the contrast ratio of two computed colours ("rgb(r, g, b)"). */
const CONTRAST = `(a, b) => {
  const lum = (c) => {
    const [r, g, b] = c.match(/[0-9.]+/g).slice(0, 3).map((v) => {
      const s = Number(v) / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}`;

test('every status word on its tinted pill is at least 4.5:1, with margin', async () => {
  // Before: Expired and a "partial" section were 4.44:1, Completed 4.52:1.
  const page = await newPage(browser);
  await page.goto(stack.url);
  const ratios = await page.evaluate(`(() => {
    const contrast = ${CONTRAST};
    const samples = ['status status-queued', 'status status-processing', 'status status-completed',
      'status status-failed', 'status status-expired', 'status status-canceled',
      'sec sec-evidenced', 'sec sec-partial', 'sec sec-partially_evidenced', 'sec sec-gap', 'sec sec-not_evidenced'];
    const box = document.createElement('div');
    document.querySelector('main').append(box);
    return Object.fromEntries(samples.map((cls) => {
      const span = document.createElement('span');
      span.className = cls;
      span.textContent = 'Sample';
      box.append(span);
      const style = getComputedStyle(span);
      return [cls, Math.round(contrast(style.color, style.backgroundColor) * 100) / 100];
    }));
  })()`);
  const low = Object.entries(ratios).filter(([, r]) => r < 5);
  assert.deepEqual(low, [], JSON.stringify(ratios));
});

test('fields\' edges and the focus ring on the dark top bar are at least 3:1; the chosen language is underlined', async () => {
  const page = await newPage(browser);
  await page.goto(stack.url);
  await page.getByLabel('Tenant').waitFor();
  // Before: #b9c0c9 on white, 1.83:1.
  const edge = await page.evaluate(`(() => {
    const contrast = ${CONTRAST};
    return ['tenant', 'token'].map((id) => contrast(getComputedStyle(document.getElementById(id)).borderTopColor, 'rgb(255, 255, 255)'));
  })()`);
  for (const r of edge) assert.ok(r >= 3, `a field's edge is ${r.toFixed(2)}:1`);

  // Before: the page's blue ring on the top bar, 2.79:1. Reached by the keyboard, as a user would.
  await page.getByRole('button', { name: 'English' }).focus();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Shift+Tab');
  const ring = await page.evaluate(`(() => {
    const contrast = ${CONTRAST};
    const button = document.activeElement;
    const style = getComputedStyle(button);
    const bar = getComputedStyle(document.querySelector('.topbar')).backgroundColor;
    return { text: button.textContent, visible: button.matches(':focus-visible'), style: style.outlineStyle, ratio: contrast(style.outlineColor, bar) };
  })()`);
  assert.equal(ring.text, 'English');
  assert.ok(ring.visible && ring.style !== 'none', JSON.stringify(ring));
  assert.ok(ring.ratio >= 3, `the focus ring is ${ring.ratio.toFixed(2)}:1 against the bar`);

  // Before: only a background 1.78:1 against the bar told the chosen language.
  const underlined = () => page.locator('[data-lang]').evaluateAll((bs) => bs.map((b) => [b.dataset.lang, b.getAttribute('aria-pressed'), getComputedStyle(b).textDecorationLine]));
  assert.deepEqual(await underlined(), [['en', 'true', 'underline'], ['es', 'false', 'none']]);
  await page.getByRole('button', { name: 'Español' }).click();
  assert.deepEqual(await underlined(), [['en', 'false', 'none'], ['es', 'true', 'underline']]);
});
