// How the page says a job's window (ui.js): on a 24-hour clock in the job's
// zone, and its end, which the window does not include, as the form's End
// date named it: midnight is the end of the day before ("24:00"), not the
// first minute of the next day.
import assert from 'node:assert/strict';
import { test } from 'node:test';

globalThis.document ??= { documentElement: {} };
if (typeof navigator === 'undefined') globalThis.navigator = { language: 'en-US' };

const { setLanguage } = await import('../i18n.js');
const { zonedEndText, zonedText } = await import('../ui.js');

test('a window ending at midnight ends at 24:00 of the day before, in the job\'s zone', () => {
  setLanguage('en');
  assert.equal(zonedText('2026-05-01T00:00:00Z', 'UTC'), 'May 1, 2026, 00:00 +00:00');
  assert.equal(zonedEndText('2026-05-04T00:00:00Z', 'UTC'), 'May 3, 2026, 24:00 +00:00');
  // Midnight in Madrid is 22:00 UTC in summer.
  assert.equal(zonedEndText('2026-05-03T22:00:00Z', 'Europe/Madrid'), 'May 3, 2026, 24:00 +02:00');
  assert.equal(zonedEndText('2026-05-04T00:00:00Z', 'Europe/Madrid'), 'May 4, 2026, 02:00 +02:00');
  // An end that is not midnight is said as it is.
  assert.equal(zonedEndText('2026-05-03T13:30:00Z', 'UTC'), 'May 3, 2026, 13:30 +00:00');
  setLanguage('es');
  assert.equal(zonedEndText('2026-05-03T22:00:00Z', 'Europe/Madrid'), '3 may 2026, 24:00 +02:00');
  assert.equal(zonedText('2026-04-30T22:00:00Z', 'Europe/Madrid'), '1 may 2026, 0:00 +02:00');
});
