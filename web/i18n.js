// The page's words (words-en.js, words-es.js) in the chosen language; dates
// and numbers go through Intl.
import { en } from './words-en.js';
import { es } from './words-es.js';

const dictionaries = { en, es };
let current = 'en';

export function setLanguage(lang) {
  current = dictionaries[lang] ? lang : 'en';
  document.documentElement.lang = current;
  return current;
}

export function language() {
  return current;
}

/** The browser's own locale when it is of the chosen language (en-GB: 24-hour clock), else the language. */
export function locale() {
  const browser = navigator.language || current;
  return browser.toLowerCase().split('-')[0] === current ? browser : current;
}

/** Whether the current language has its own words for `key` (not English's). */
export function hasWord(key) {
  return Object.hasOwn(dictionaries[current], key);
}

/** The word for `key` in the current language, with `{name}` placeholders filled. */
export function t(key, values = {}) {
  const text = dictionaries[current][key] ?? en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

export function formatNumber(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

export function formatBytes(n) {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'];
  let i = 0;
  let value = n;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i += 1;
  }
  // Intl says "70 byte" in English (the unit has no short form there): "70 B", as in Spanish.
  if (i === 0) return `${formatNumber(value)} B`;
  return new Intl.NumberFormat(locale(), {
    style: 'unit', unit: units[i], unitDisplay: 'short', maximumFractionDigits: 1,
  }).format(value);
}

/** "in 3 days", "5 minutes ago": the largest unit that is at least 1. */
export function formatRelative(ms, now = Date.now()) {
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  const diff = ms - now;
  const abs = Math.abs(diff);
  const steps = [['day', 86400000], ['hour', 3600000], ['minute', 60000]];
  for (const [unit, size] of steps) {
    if (abs >= size) return rtf.format(Math.round(diff / size), unit);
  }
  return rtf.format(Math.round(diff / 1000), 'second');
}

/** A date and time in the browser's zone; the year only when it is not this year's. */
export function formatDateTime(ms, now = Date.now()) {
  const sameYear = new Date(ms).getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(locale(), {
    year: sameYear ? undefined : 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
  }).format(ms);
}

/** The full date and time, for a tooltip. */
export function formatFull(ms) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'full', timeStyle: 'long' }).format(ms);
}
