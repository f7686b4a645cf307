// What every part of the Exports page uses: elements by id, element
// building, the live region, times in a job's zone, and the API's words.
import * as dates from './dates.js';
import { formatFull, locale, t } from './i18n.js';
import { plain, problemWords } from './server-words.js';

export const $ = (id) => document.getElementById(id);

/** An element with attributes (`class`, `text`, `on<event>` handled) and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}

/**
 * What the API said, in the page's words (server-words.js: problemWords): the
 * page's sentence and, when it says less than the server did, the server's
 * own words (English) beside it.
 */
export function wordsNodes(words) {
  if (typeof words === 'string') return [words];
  if (!words.original) return [words.text];
  return [words.text, ' ', el('span', { class: 'original', lang: 'en' }, `(${words.original})`)];
}

/**
 * "Something went wrong: …" for a problem the page has no better place for
 * (or, from the page's own failure, an Error's message).
 */
export function errorText(problem) {
  const said = problem.detail || problem.title || problem.message || String(problem);
  return t('errorGeneric', { detail: plain(problemWords(problem, said)) });
}

/**
 * Says `message` in the live region, for screen readers: the open modal
 * dialog's own, when it has one (the page behind a modal dialog is inert,
 * and what it says is not heard).
 */
export function announce(message) {
  const region = document.querySelector('dialog[open] [data-announcer]') ?? $('announcer');
  region.textContent = message;
}

export function timeEl(iso, text, title = formatFull(Date.parse(iso))) {
  return el('time', { datetime: iso, title }, text);
}

function zonedFormat(zoneName) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short', hourCycle: 'h23', timeZone: zoneName });
}

/** An instant in the job's zone, on a 24-hour clock, with its offset: "May 1, 2026, 00:00 +02:00". */
export function zonedText(iso, zoneName) {
  const ms = Date.parse(iso);
  return `${zonedFormat(zoneName).format(ms)} ${dates.offsetText(ms, zoneName)}`;
}

/**
 * A window's end, which the window does not include: midnight in the job's
 * zone is said as the end of the day before ("May 3, 2026, 24:00 +02:00"),
 * the day the form's End date named, not as the next day's first minute.
 */
export function zonedEndText(iso, zoneName) {
  const ms = Date.parse(iso);
  const parts = zonedFormat(zoneName).formatToParts(ms);
  const at = (type) => parts.find((p) => p.type === type)?.value;
  if (Number(at('hour')) !== 0 || Number(at('minute')) !== 0) return zonedText(iso, zoneName);
  const dayBefore = zonedFormat(zoneName).formatToParts(ms - 1)
    .map((p) => (p.type === 'hour' ? '24' : p.type === 'minute' ? '00' : p.value))
    .join('');
  return `${dayBefore} ${dates.offsetText(ms, zoneName)}`;
}

/**
 * When the job's file stops being downloadable (ms): its expiry, or the end
 * of its retention when that is later (the API's max(expires_at, retained_until)).
 */
export function availableUntil(job) {
  const expires = Date.parse(job.expires_at);
  const kept = job.retained_until ? Date.parse(job.retained_until) : NaN;
  return Number.isNaN(kept) ? expires : Math.max(expires, kept);
}

/**
 * The text "Copied" on `button` for two seconds, then `word` again; `said`
 * (what was copied) announced, since a button's new text is not.
 */
export function flashCopied(button, word, said) {
  button.textContent = t('copied');
  announce(t(said));
  setTimeout(() => { if (button.isConnected) button.textContent = t(word); }, 2000);
}
