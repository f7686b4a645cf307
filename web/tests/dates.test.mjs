// Unit tests of the page's zone arithmetic (pure functions, run in node).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bound, instantToFields, offsetText, quickRange, windowToFields, zonedToInstant,
} from '../dates.js';

const at = (iso) => Date.parse(iso);

test('wall-clock fields in a zone become the right instant, across DST', () => {
  assert.equal(zonedToInstant('2026-05-01', '00:00', 'Europe/Madrid'), at('2026-04-30T22:00:00Z'));
  assert.equal(zonedToInstant('2026-01-15', '09:30', 'Europe/Madrid'), at('2026-01-15T08:30:00Z'));
  assert.equal(zonedToInstant('2026-03-29', '12:00', 'Europe/Madrid'), at('2026-03-29T10:00:00Z'));
  assert.equal(zonedToInstant('2026-05-01', '00:00', 'America/New_York'), at('2026-05-01T04:00:00Z'));
  assert.equal(offsetText(at('2026-07-01T00:00:00Z'), 'Asia/Kolkata'), '+05:30');
  assert.equal(offsetText(at('2026-01-01T00:00:00Z'), 'America/New_York'), '-05:00');
});

test('the API bound is a date without a time and an instant with its offset otherwise', () => {
  assert.equal(bound('2026-05-01', '', 'Europe/Madrid'), '2026-05-01');
  assert.equal(bound('2026-05-01', '08:15', 'Europe/Madrid'), '2026-05-01T08:15:00+02:00');
  assert.equal(bound('2026-12-01', '08:15', 'Europe/Madrid'), '2026-12-01T08:15:00+01:00');
});

test('last month and last quarter are whole calendar months of the chosen zone', () => {
  // 2026-04-01T01:30 in Madrid is still March 31st in New York.
  const now = at('2026-03-31T23:30:00Z');
  assert.deepEqual(quickRange('lastMonth', now, 'Europe/Madrid'),
    { startDate: '2026-03-01', startTime: '', endDate: '2026-03-31', endTime: '' });
  assert.deepEqual(quickRange('lastMonth', now, 'America/New_York'),
    { startDate: '2026-02-01', startTime: '', endDate: '2026-02-28', endTime: '' });
  assert.deepEqual(quickRange('lastQuarter', now, 'Europe/Madrid'),
    { startDate: '2026-01-01', startTime: '', endDate: '2026-03-31', endTime: '' });
  assert.deepEqual(quickRange('lastQuarter', now, 'America/New_York'),
    { startDate: '2025-10-01', startTime: '', endDate: '2025-12-31', endTime: '' });
  assert.deepEqual(quickRange('lastMonth', at('2026-01-10T12:00:00Z'), 'UTC'),
    { startDate: '2025-12-01', startTime: '', endDate: '2025-12-31', endTime: '' });
});

test('rolling ranges end now and start the same wall-clock time N days earlier', () => {
  const now = at('2026-03-30T10:07:45Z'); // Madrid: 12:07, the day after DST began
  assert.deepEqual(quickRange('last7d', now, 'Europe/Madrid'),
    { startDate: '2026-03-23', startTime: '12:07', endDate: '2026-03-30', endTime: '12:07' });
  assert.deepEqual(quickRange('last24h', now, 'Europe/Madrid'),
    { startDate: '2026-03-29', startTime: '12:07', endDate: '2026-03-30', endTime: '12:07' });
  assert.deepEqual(quickRange('last90d', now, 'UTC'),
    { startDate: '2025-12-30', startTime: '10:07', endDate: '2026-03-30', endTime: '10:07' });
});

test('a job\'s half-open window comes back as the fields that produce it', () => {
  assert.deepEqual(windowToFields('2026-04-30T22:00:00Z', '2026-05-31T22:00:00Z', 'Europe/Madrid'),
    { startDate: '2026-05-01', startTime: '', endDate: '2026-05-31', endTime: '' });
  assert.deepEqual(windowToFields('2026-05-01T06:15:00Z', '2026-05-02T06:15:00Z', 'UTC'),
    { startDate: '2026-05-01', startTime: '06:15', endDate: '2026-05-02', endTime: '06:15' });
  assert.deepEqual(instantToFields(at('2026-05-01T00:00:00Z'), 'Pacific/Auckland'), { date: '2026-05-01', time: '12:00' });
});
