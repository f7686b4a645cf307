// The Exports page: sign in, request an export, watch the history, download.
import * as api from './api.js';
import { FAILED_CHECKS, readBundle } from './bundle.js';
import * as dates from './dates.js';
import {
  formatBytes, formatDateTime, formatFull, formatNumber, formatRelative, language, locale, setLanguage, t,
} from './i18n.js';
import { failureReason, fieldLabel, fieldMessage, plain, problemWords } from './server-words.js';

const FORMATS = ['csv', 'json', 'compliance-aesia', 'compliance-aepd', 'compliance-ens', 'compliance-all'];
const ACTIVE = new Set(['queued', 'processing']);
const PAGE_SIZE = 25;
/** Refresh while something runs: 2 s, growing by half each quiet tick, up to 30 s. */
const FAST_MS = 2000;
const SLOW_MS = 30000;
const LANG_KEY = 'kt-exports.lang';

const $ = (id) => document.getElementById(id);
const state = {
  jobs: [],
  statusFilter: '',
  cursors: [null], // cursor of each page seen; the last is the current page's
  nextCursor: null,
  delay: FAST_MS,
  timer: null,
  known: new Map(), // job id -> last status seen, to announce transitions
  range: null, // the quick range the form holds, recomputed when the zone changes
  bundleJob: null,
  shareJob: null, // the job whose Share dialog is open
};

function el(tag, attrs = {}, ...children) {
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
function wordsNodes(words) {
  if (typeof words === 'string') return [words];
  if (!words.original) return [words.text];
  return [words.text, ' ', el('span', { class: 'original', lang: 'en' }, `(${words.original})`)];
}

// ---------------------------------------------------------------- language

function applyLanguage(lang) {
  setLanguage(lang);
  localStorage.setItem(LANG_KEY, language());
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll('[data-i18n-label]')) node.setAttribute('aria-label', t(node.dataset.i18nLabel));
  for (const node of document.querySelectorAll('[data-i18n-title]')) node.setAttribute('title', t(node.dataset.i18nTitle));
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === language()));
  document.title = `${t('title')} · Keeptrusts`;
  $('timezone-hint').textContent = t('timezoneHint', { zone: dates.browserZone() });
  renderFormats();
  if (!$('workspace').hidden) {
    renderJobs();
    if (state.bundleJob && !$('bundle').hidden) showBundle(state.bundleJob, { focus: false });
  }
}

// ---------------------------------------------------------------- sign in

async function showSignIn(message) {
  stopRefresh();
  $('workspace').hidden = true;
  $('session').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-message').hidden = !message;
  $('sign-in-message').textContent = message ?? '';
  $('dev-sign-in').hidden = !(await api.devSignInAvailable());
}

function showWorkspace() {
  const tenant = api.tokenTenant(api.token());
  $('session-tenant').textContent = tenant ?? '?';
  $('session').hidden = false;
  $('sign-in').hidden = true;
  $('workspace').hidden = false;
  state.known.clear();
  state.cursors = [null];
  loadJobs({ announce: false });
}

async function devSignIn(event) {
  event.preventDefault();
  const tenant = $('tenant').value.trim();
  setFieldError('tenant', null);
  try {
    const answer = await api.devSignIn(tenant);
    api.setToken(answer.token);
    showWorkspace();
  } catch (e) {
    const said = e.errors[0]?.message;
    setFieldError('tenant', (said && fieldMessage(said)) ?? said ?? e.detail ?? t('network'));
  }
}

function tokenSignIn(event) {
  event.preventDefault();
  const value = $('token').value.trim().replace(/^Bearer\s+/i, '');
  if (!value) return;
  api.setToken(value);
  $('token').value = '';
  showWorkspace();
}

// ---------------------------------------------------------------- the form

function renderFormats() {
  const box = $('format-options');
  const chosen = box.querySelector('input:checked')?.value ?? 'csv';
  box.replaceChildren(...FORMATS.map((f) => el('label', { class: 'format-option' },
    el('input', { type: 'radio', name: 'format', value: f, checked: f === chosen, 'aria-labelledby': `fmt-name-${f}`, 'aria-describedby': `fmt-${f}` }),
    el('span', { class: 'format-name', id: `fmt-name-${f}`, text: f }),
    el('span', { class: 'format-desc', id: `fmt-${f}`, text: t(`fmt_${f}`) }))));
}

function zone() {
  return $('timezone').value.trim() || 'UTC';
}

function setFields(f) {
  $('start-date').value = f.startDate;
  $('start-time').value = f.startTime;
  $('end-date').value = f.endDate;
  $('end-time').value = f.endTime;
}

function chooseRange(name) {
  state.range = name;
  if (dates.isKnownZone(zone())) setFields(dates.quickRange(name, Date.now(), zone()));
  for (const b of document.querySelectorAll('[data-range]')) b.setAttribute('aria-pressed', String(b.dataset.range === name));
  clearErrors();
}

function forgetRange() {
  state.range = null;
  for (const b of document.querySelectorAll('[data-range]')) b.setAttribute('aria-pressed', 'false');
}

const FIELD_IDS = { date_from: 'start-date', date_to: 'end-date', timezone: 'timezone', label: 'label', format: 'format', tenant: 'tenant' };

function setFieldError(field, message) {
  const id = FIELD_IDS[field];
  const out = $(`${id}-error`);
  if (!out) return false;
  out.hidden = !message;
  out.textContent = message ?? '';
  const input = id === 'format' ? null : $(id);
  if (input) {
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
  return true;
}

function clearErrors() {
  for (const f of Object.keys(FIELD_IDS)) setFieldError(f, null);
  $('form-errors').hidden = true;
}

function focusField(field) {
  const id = FIELD_IDS[field];
  const target = id === 'format' ? document.querySelector('input[name=format]:checked') : $(id);
  target?.focus();
}

/** Problem+json from the API: each error at its field, the rest above the form. */
function showProblem(problem) {
  const unplaced = [];
  let first = null;
  for (const e of problem.errors) {
    const said = fieldMessage(e.message);
    if (setFieldError(e.field, said ?? capitalise(e.message))) first ??= e.field;
    else unplaced.push([`${fieldLabel(e.field)}: ${said ?? e.message}`]);
  }
  if (!problem.errors.length) {
    unplaced.push(problem.status === 0 ? [t('network')] : wordsNodes(problemWords(problem, problem.detail || problem.title)));
  }
  if (unplaced.length) {
    const box = $('form-errors');
    box.replaceChildren(el('strong', { text: t('fixErrors') }), ' ', ...unplaced.flatMap((nodes, i) => (i ? [' ', ...nodes] : nodes)));
    box.hidden = false;
    if (!first) box.focus();
  }
  if (first) focusField(first);
}

function capitalise(s) {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

function newIdempotencyKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

/** The key of the request the form holds: a retry of the same request reuses it. */
let pending = { body: null, key: null };

async function submitCreate(event) {
  event.preventDefault();
  if ($('submit').getAttribute('aria-disabled') === 'true') return;
  clearErrors();
  const start = { date: $('start-date').value, time: $('start-time').value };
  const end = { date: $('end-date').value, time: $('end-time').value };
  let invalid = null;
  if (!start.date) invalid ??= setFieldError('date_from', t('required')) && 'date_from';
  if (!end.date) invalid ??= setFieldError('date_to', t('required')) && 'date_to';
  if (!invalid && `${start.date}T${start.time || '00:00'}` >= `${end.date}T${end.time || '24:00'}`) {
    setFieldError('date_from', t('startAfterEnd'));
    invalid = 'date_from';
  }
  if (invalid) {
    focusField(invalid);
    return;
  }
  const tz = zone();
  const body = {
    type: 'events',
    format: document.querySelector('input[name=format]:checked')?.value ?? 'csv',
    date_from: dates.isKnownZone(tz) ? dates.bound(start.date, start.time, tz) : start.date,
    date_to: dates.isKnownZone(tz) ? dates.bound(end.date, end.time, tz) : end.date,
    timezone: tz,
  };
  const label = $('label').value.trim();
  if (label) body.label = label;
  const serialised = JSON.stringify(body);
  if (pending.body !== serialised) pending = { body: serialised, key: newIdempotencyKey() };
  const button = $('submit');
  if (button.getAttribute('aria-disabled') === 'true') return;
  // aria-disabled, not disabled: a disabled button would drop the keyboard focus.
  button.setAttribute('aria-disabled', 'true');
  $('submit-state').textContent = t('creating');
  try {
    const job = await api.jobs.create(body, pending.key);
    pending = { body: null, key: null };
    state.known.set(job.id, job.status);
    announce(t('created', { name: job.file_name }));
    if (state.cursors.length === 1 && (!state.statusFilter || state.statusFilter === job.status)) {
      state.jobs = [job, ...state.jobs.filter((j) => j.id !== job.id)].slice(0, PAGE_SIZE);
      renderJobs();
    }
    state.delay = FAST_MS;
    scheduleRefresh();
  } catch (problem) {
    showProblem(problem);
  } finally {
    button.removeAttribute('aria-disabled');
    $('submit-state').textContent = '';
  }
}

function runAgain(job) {
  $('timezone').value = job.timezone;
  setFields(dates.windowToFields(job.window_start, job.window_end, job.timezone));
  forgetRange();
  const radio = document.querySelector(`input[name=format][value="${job.format}"]`);
  if (radio) radio.checked = true;
  $('label').value = job.label ?? '';
  clearErrors();
  announce(t('prefilled'));
  $('new-h').scrollIntoView({ block: 'start' });
  $('submit').focus();
}

// ---------------------------------------------------------------- history

async function loadJobs({ announce: say = true } = {}) {
  clearTimeout(state.timer);
  state.timer = null;
  try {
    const page = await api.jobs.list({
      status: state.statusFilter, cursor: state.cursors.at(-1), limit: PAGE_SIZE,
    });
    const changed = say ? announceTransitions(page.jobs) : rememberStatuses(page.jobs);
    state.jobs = page.jobs;
    state.nextCursor = page.next_cursor;
    $('history-error').hidden = true;
    state.updatedAt = Date.now();
    state.delay = changed ? FAST_MS : Math.min(SLOW_MS, Math.round(state.delay * 1.5));
    renderJobs();
  } catch (problem) {
    if (problem.status === 401) return;
    // Not the API's problem but this page's own failure: say what it was.
    if (problem.status === undefined) console.error(problem);
    $('history-error').textContent = problem.status === 0 ? t('network')
      : t('errorGeneric', { detail: plain(problemWords(problem, problem.detail || problem.title || problem.message || String(problem))) });
    $('history-error').hidden = false;
  }
  scheduleRefresh();
}

function rememberStatuses(jobs) {
  for (const j of jobs) state.known.set(j.id, j.status);
  return false;
}

/** One message for every row whose status changed since the last look. */
function announceTransitions(jobs) {
  const messages = [];
  for (const j of jobs) {
    const before = state.known.get(j.id);
    if (before !== undefined && before !== j.status) messages.push(transitionMessage(j));
    state.known.set(j.id, j.status);
  }
  if (messages.length) announce(messages.join(' '));
  return messages.length > 0;
}

function transitionMessage(job) {
  const name = job.file_name;
  switch (job.status) {
    case 'completed': return t(job.event_count === 1 ? 'announceCompletedOne' : 'announceCompleted', { name, count: formatNumber(job.event_count ?? 0) });
    case 'failed': return t('announceFailed', { name, reason: failureReason(job.error).text });
    case 'canceled': return t('announceCanceled', { name });
    case 'processing': return t('announceProcessing', { name });
    case 'expired': return t('announceExpired', { name });
    default: return t('announceQueued', { name });
  }
}

function announce(message) {
  const region = $('announcer');
  region.textContent = message;
}

function stopRefresh() {
  clearTimeout(state.timer);
  state.timer = null;
}

/** Poll only while something runs and the tab is visible. */
function scheduleRefresh() {
  stopRefresh();
  if (document.visibilityState === 'hidden' || $('workspace').hidden) return;
  if (!state.jobs.some((j) => ACTIVE.has(j.status))) return;
  state.timer = setTimeout(() => loadJobs(), state.delay);
}

function onVisibility() {
  if (document.visibilityState === 'hidden') {
    stopRefresh();
  } else if (!$('workspace').hidden && state.jobs.some((j) => ACTIVE.has(j.status))) {
    state.delay = FAST_MS;
    loadJobs();
  }
}

function timeEl(iso, text, title = formatFull(Date.parse(iso))) {
  return el('time', { datetime: iso, title }, text);
}

/** An instant in the job's zone, with its offset: "1 May 2026, 00:00 +02:00". */
function zonedText(iso, zoneName) {
  const ms = Date.parse(iso);
  const local = new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short', timeZone: zoneName }).format(ms);
  return `${local} ${dates.offsetText(ms, zoneName)}`;
}

function statusCell(job) {
  const word = el('span', { class: `status status-${job.status}` }, el('span', { class: 'dot', 'aria-hidden': 'true' }), t(`st_${job.status}`));
  const cell = el('td', {}, word);
  if (job.status === 'processing') {
    const pct = Math.round((job.progress ?? 0) * 100);
    cell.append(el('div', { class: 'progress' },
      el('progress', { max: '100', value: String(pct), 'aria-label': t('progress') }),
      el('span', { class: 'small muted', text: new Intl.NumberFormat(locale(), { style: 'percent' }).format(pct / 100) })));
  }
  if (job.status === 'failed' && job.error) cell.append(...reasonNodes(job.error));
  return cell;
}

/**
 * Why a job failed: the server's message, or on a translated page the
 * sentence for its code, with the server's exact words a click away.
 */
function reasonNodes(error) {
  const { text, original } = failureReason(error);
  if (!original) {
    // Not translated: on a page in another language, say that it is English.
    return [el('p', { class: 'reason', lang: language() === 'en' ? null : 'en', text })];
  }
  return [
    el('p', { class: 'reason', 'data-code': error.code, text }),
    el('details', { class: 'reason-original' },
      el('summary', { 'data-action': 'reason-original', text: t('reasonOriginal') }),
      el('p', { lang: 'en', text: original })),
  ];
}

/**
 * When the job's file stops being downloadable (ms): its expiry, or the end
 * of its retention when that is later (the API's max(expires_at, retained_until)).
 */
function availableUntil(job) {
  const expires = Date.parse(job.expires_at);
  const kept = job.retained_until ? Date.parse(job.retained_until) : NaN;
  return Number.isNaN(kept) ? expires : Math.max(expires, kept);
}

function expiresCell(job) {
  if (!job.expires_at) return el('td', { class: 'muted', text: t('none') });
  const ms = Date.parse(job.expires_at);
  const kept = availableUntil(job);
  if (job.status === 'completed' && kept > ms) {
    // A retained evidence export: kept (locked) and downloadable until then.
    return el('td', { class: 'when' }, el('span', { text: t('keptUntil') }), ' ',
      timeEl(job.retained_until, formatDateTime(kept)),
      el('div', { class: 'small muted', text: formatRelative(kept) }));
  }
  if (job.status === 'expired') {
    return el('td', { class: 'when expired' }, el('strong', { text: t('st_expired') }), ' ',
      timeEl(job.expires_at, formatDateTime(ms)),
      el('div', { class: 'small muted', text: formatRelative(ms) }));
  }
  return el('td', { class: 'when' }, timeEl(job.expires_at, formatDateTime(ms)),
    el('div', { class: 'small muted', text: formatRelative(ms) }));
}

function actionsCell(job) {
  const buttons = [];
  if (job.status === 'completed' || job.status === 'expired') {
    buttons.push(el('button', {
      type: 'button', 'data-action': 'download', disabled: job.status === 'expired',
      'aria-describedby': job.status === 'expired' ? `exp-${job.id}` : null,
      onclick: (e) => download(job, e.currentTarget),
    }, t('download')));
  }
  if (ACTIVE.has(job.status)) {
    buttons.push(el('button', { type: 'button', class: 'danger-quiet', 'data-action': 'cancel', onclick: () => confirmCancel(job) }, t('cancel')));
  }
  if (['expired', 'failed', 'canceled'].includes(job.status)) {
    buttons.push(el('button', { type: 'button', 'data-action': 'run-again', onclick: () => runAgain(job) }, t('runAgain')));
  }
  if (job.status === 'completed' && job.sha256) {
    buttons.push(el('button', {
      type: 'button', class: 'quiet', 'data-action': 'copy-sha', title: job.sha256,
      onclick: (e) => copySha(job, e.currentTarget),
    }, t('copySha')));
  }
  if (job.status === 'completed') {
    buttons.push(el('button', { type: 'button', class: 'quiet', 'data-action': 'share', onclick: () => openShare(job) }, t('share')));
  }
  if (job.status === 'completed' && job.format === 'compliance-all') {
    buttons.push(el('button', { type: 'button', class: 'quiet', 'data-action': 'bundle', onclick: () => showBundle(job) }, t('viewBundle')));
  }
  const cell = el('td', { class: 'actions' }, el('div', { class: 'btns' }, buttons));
  if (job.status === 'expired') cell.append(el('p', { class: 'small muted', id: `exp-${job.id}`, text: t('expiredNoDownload') }));
  return cell;
}

/** The file name, allowed to wrap only after its underscores. */
function fileNameWithBreaks(name) {
  return name.split('_').flatMap((part, i, all) => (i < all.length - 1 ? [`${part}_`, el('wbr')] : [part]));
}

/**
 * A job's row, or, when something in it cannot be shown (an instant this
 * browser's Date cannot read, say), a plain row with its file, id and
 * status: one odd job must not blank the whole history.
 */
function safeJobRow(job) {
  try {
    return jobRow(job);
  } catch (e) {
    console.error(`job ${job?.id}: row not rendered`, e);
    return el('tr', { 'data-job-id': job?.id ?? '', 'data-status': job?.status ?? '' },
      el('td', { class: 'file' },
        el('div', { class: 'mono file-name', text: String(job?.file_name ?? '') }),
        el('div', { class: 'small muted mono job-id', text: String(job?.id ?? '') })),
      el('td', { class: 'window mono small', text: `${job?.window_start ?? ''} → ${job?.window_end ?? ''}` }),
      el('td', { class: 'mono', text: String(job?.format ?? '') }),
      el('td', { text: job?.status ? t(`st_${job.status}`) : '' }),
      el('td', { colspan: '5' }));
  }
}

/**
 * A job the schedule created (`origin` "schedule:quarterly"): a tag in
 * words, its origin in the title. Nothing for a person's job (origin null).
 */
function originTag(job) {
  if (typeof job.origin !== 'string' || !job.origin.startsWith('schedule:')) return null;
  return el('div', { class: 'origin' },
    el('span', { class: 'tag tag-scheduled', title: t('scheduledTitle', { origin: job.origin }) }, t('scheduled')));
}

function jobRow(job) {
  const created = Date.parse(job.created_at);
  const rejected = job.stats?.rejected_lines;
  return el('tr', { 'data-job-id': job.id, 'data-status': job.status },
    el('td', { class: 'file' },
      el('div', { class: 'mono file-name' }, fileNameWithBreaks(job.file_name)),
      originTag(job),
      job.label ? el('div', { class: 'label-text', text: job.label }) : null,
      el('div', { class: 'small muted mono job-id', text: job.id })),
    el('td', { class: 'window' },
      timeEl(job.window_start, zonedText(job.window_start, job.timezone)),
      el('span', { class: 'muted', 'aria-hidden': 'true' }, ' → '),
      el('br'),
      timeEl(job.window_end, zonedText(job.window_end, job.timezone)),
      el('div', { class: 'small muted', text: job.timezone })),
    el('td', {}, el('span', { class: 'format', text: job.format })),
    statusCell(job),
    el('td', { class: 'num', text: job.event_count == null ? t('none') : formatNumber(job.event_count) }),
    el('td', { class: `num${rejected ? ' warn' : ''}`, text: rejected == null ? t('none') : formatNumber(rejected) }),
    el('td', { class: 'when' }, timeEl(job.created_at, formatDateTime(created)), el('div', { class: 'small muted', text: formatRelative(created) })),
    expiresCell(job),
    actionsCell(job));
}

function renderJobs() {
  const active = document.activeElement;
  const focusKey = active?.closest('tr[data-job-id]')
    ? [active.closest('tr').dataset.jobId, active.dataset.action] : null;
  const body = $('jobs').tBodies[0];
  // A failure reason's original words, opened, stay open across refreshes.
  const opened = new Set([...body.querySelectorAll('details[open]')].map((d) => d.closest('tr')?.dataset.jobId));
  if (!state.jobs.length) {
    body.replaceChildren(el('tr', { class: 'empty' }, el('td', { colspan: '9' },
      el('p', { text: state.statusFilter ? t('emptyFiltered') : t('emptyAll') }))));
  } else {
    body.replaceChildren(...state.jobs.map(safeJobRow));
  }
  for (const d of body.querySelectorAll('tr[data-job-id] details')) {
    if (opened.has(d.closest('tr').dataset.jobId)) d.open = true;
  }
  if (focusKey) {
    const row = body.querySelector(`tr[data-job-id="${focusKey[0]}"]`);
    const again = row?.querySelector(`[data-action="${focusKey[1]}"]`) ?? row?.querySelector('button');
    again?.focus();
  }
  if (state.updatedAt) {
    $('updated').textContent = t('updated', { time: new Intl.DateTimeFormat(locale(), { timeStyle: 'medium' }).format(state.updatedAt) });
  }
  $('newer').disabled = state.cursors.length <= 1;
  $('older').disabled = !state.nextCursor;
  $('page-number').textContent = t('page', { n: state.cursors.length });
}

async function download(job, button) {
  button.disabled = true;
  try {
    const link = await api.jobs.link(job.id);
    const a = el('a', { href: link.url, download: link.file_name, rel: 'noopener' });
    document.body.append(a);
    a.click();
    a.remove();
  } catch (problem) {
    if (problem.status === 410) announce(t('downloadGone'));
    else announce(t('errorGeneric', { detail: plain(problemWords(problem, problem.detail || problem.title)) }));
    await loadJobs();
  } finally {
    if (button.isConnected) button.disabled = false;
  }
}

async function copySha(job, button) {
  try {
    await navigator.clipboard.writeText(job.sha256);
  } catch {
    const area = el('textarea', { class: 'sr-only' }, job.sha256);
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
  button.textContent = t('copied');
  setTimeout(() => { if (button.isConnected) button.textContent = t('copySha'); }, 2000);
}

function confirmCancel(job) {
  const dialog = $('confirm-cancel');
  $('confirm-body').textContent = t('confirmCancelBody', { name: job.file_name });
  dialog.returnValue = '';
  dialog.onclose = async () => {
    if (dialog.returnValue !== 'cancel') return;
    try {
      const updated = await api.jobs.cancel(job.id);
      state.jobs = state.jobs.map((j) => (j.id === updated.id ? updated : j));
      announceTransitions([updated]);
      renderJobs();
    } catch (problem) {
      if (problem.status === 409) await reloadRow(job.id, t('cancelConflict')); else {
        announce(t('errorGeneric', { detail: plain(problemWords(problem, problem.detail || problem.title)) }));
      }
    }
    scheduleRefresh();
  };
  dialog.showModal();
}

/** Fetches one row again (after a 409) and says why, with where the job is now. */
async function reloadRow(id, why) {
  try {
    const fresh = await api.jobs.get(id);
    state.jobs = state.jobs.map((j) => (j.id === id ? fresh : j));
    state.known.set(id, fresh.status);
    announce(`${why} ${transitionMessage(fresh)}`);
    renderJobs();
  } catch {
    announce(why);
    await loadJobs();
  }
}

// ---------------------------------------------------------------- share links

const DAY_MS = 86400000;

/** Whole days left until the job's file is deleted, rounded up (the API's maximum). */
function maxShareDays(job) {
  return Math.max(1, Math.ceil((availableUntil(job) - Date.now()) / DAY_MS));
}

function openShare(job) {
  state.shareJob = job;
  const dialog = $('share');
  $('share-h').textContent = t('shareTitle', { name: job.file_name });
  $('share-error').hidden = true;
  $('share-result').hidden = true;
  $('share-url').value = '';
  $('share-note').value = '';
  $('share-note').removeAttribute('aria-invalid');
  const max = maxShareDays(job);
  $('share-days').max = String(max);
  $('share-days').value = String(Math.min(7, max));
  $('share-days').removeAttribute('aria-invalid');
  $('share-days-hint').textContent = t(max === 1 ? 'shareDaysHintOne' : 'shareDaysHint', { max, date: formatDateTime(availableUntil(job)) });
  $('share-links').replaceChildren(el('p', { class: 'muted', text: '…' }));
  if (!dialog.open) dialog.showModal();
  $('share-note').focus();
  loadShareLinks(job);
}

async function loadShareLinks(job) {
  let links;
  try {
    links = (await api.links.list(job.id)).links;
  } catch (problem) {
    $('share-links').replaceChildren(el('p', { class: 'notice error', text: t('errorGeneric', { detail: plain(problemWords(problem, problem.detail || problem.title)) }) }));
    return;
  }
  if (state.shareJob !== job) return;
  if (!links.length) {
    $('share-links').replaceChildren(el('p', { class: 'muted', text: t('shareNone') }));
    return;
  }
  $('share-links').replaceChildren(el('table', { class: 'compact', 'aria-labelledby': 'share-links-h' },
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col', text: t('shareColNote') }),
      el('th', { scope: 'col', text: t('shareColStatus') }),
      el('th', { scope: 'col', text: t('shareColExpires') }),
      el('th', { scope: 'col', text: t('colActions') }))),
    el('tbody', {}, links.map((link) => el('tr', { 'data-link-id': link.id, 'data-status': link.status },
      el('td', { text: link.note }),
      el('td', {}, el('span', { class: `status status-${link.status}`, text: t(`link_${link.status}`) })),
      el('td', { class: 'when' }, timeEl(link.expires_at, formatDateTime(Date.parse(link.expires_at)))),
      el('td', {}, link.status === 'active'
        ? el('button', {
          type: 'button', class: 'danger-quiet', 'data-action': 'revoke',
          'aria-label': t('shareRevokeLabel', { note: link.note }),
          onclick: (e) => revokeShareLink(job, link, e.currentTarget),
        }, t('shareRevoke'))
        : null))))));
}

/** `words`: a message, or what the API said (problemWords). */
function showShareError(words, field) {
  const box = $('share-error');
  box.replaceChildren(...wordsNodes(words));
  box.hidden = false;
  for (const id of ['share-note', 'share-days']) $(id).removeAttribute('aria-invalid');
  const input = field === 'note' ? $('share-note') : field === 'expires_in_days' ? $('share-days') : null;
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  } else {
    box.focus();
  }
}

async function createShareLink(event) {
  event.preventDefault();
  const job = state.shareJob;
  const note = $('share-note').value.trim();
  if (!note) {
    showShareError(t('shareNoteRequired'), 'note');
    return;
  }
  const days = Number($('share-days').value);
  const button = $('share-create');
  button.disabled = true;
  try {
    const link = await api.links.create(job.id, { note, expires_in_days: days });
    $('share-error').hidden = true;
    for (const id of ['share-note', 'share-days']) $(id).removeAttribute('aria-invalid');
    $('share-url').value = link.url;
    $('share-result').hidden = false;
    $('share-note').value = '';
    $('share-url').focus();
    $('share-url').select();
    announce(t('shareCreated', { note: link.note }));
    await loadShareLinks(job);
  } catch (problem) {
    const field = problem.errors[0]?.field;
    showShareError(problem.status === 0 ? t('network') : problemWords(problem, problem.detail || problem.title), field);
  } finally {
    button.disabled = false;
  }
}

async function copyShareUrl() {
  const url = $('share-url').value;
  try {
    await navigator.clipboard.writeText(url);
  } catch {
    $('share-url').select();
    document.execCommand('copy');
  }
  const button = $('share-copy');
  button.textContent = t('copied');
  setTimeout(() => { if (button.isConnected) button.textContent = t('shareCopy'); }, 2000);
}

async function revokeShareLink(job, link, button) {
  button.disabled = true;
  try {
    await api.links.revoke(job.id, link.id);
    // An earlier refusal (say, the live-link limit) no longer holds.
    $('share-error').hidden = true;
    announce(t('shareRevoked', { note: link.note }));
  } catch (problem) {
    showShareError(problemWords(problem, problem.detail || problem.title));
  }
  await loadShareLinks(job);
  $('share-links-h').setAttribute('tabindex', '-1');
  $('share-links-h').focus();
}

// ---------------------------------------------------------------- bundle

/** A report section's status in the page's language (the HTML renderings' words); an unknown one as sent. */
function sectionStatus(status) {
  const key = `sec_${status}`;
  const word = t(key);
  return word === key ? String(status) : word;
}

async function showBundle(job, { focus = true } = {}) {
  state.bundleJob = job;
  const panel = $('bundle');
  panel.hidden = false;
  $('bundle-h').textContent = t('bundleTitle', { name: job.file_name });
  const out = $('bundle-body');
  out.replaceChildren(el('p', { class: 'muted', text: t('loadingBundle') }));
  if (focus) panel.focus();
  let bundle;
  try {
    const link = await api.jobs.link(job.id);
    bundle = await readBundle(link.url);
  } catch (e) {
    out.replaceChildren(el('p', { class: 'notice error', text: t('bundleBlocked', { reason: e.message }) }));
    return;
  }
  if (state.bundleJob !== job) return;
  const same = bundle.archiveSha === job.sha256;
  const m = bundle.manifest?.job;
  const parts = [el('p', { class: `notice ${same ? 'ok' : 'error'}` },
    t(same ? 'archiveMatches' : 'archiveDiffers', { sha: bundle.archiveSha }))];
  if (m) {
    parts.push(el('p', { class: 'muted', text: t('manifestJob', { events: formatNumber(m.event_count ?? 0), start: zonedText(m.window_start, m.timezone || 'UTC'), end: zonedText(m.window_end, m.timezone || 'UTC') }) }));
  }
  parts.push(el('h3', { text: t('inventory') }), el('div', { class: 'table-wrap' }, el('table', { class: 'compact' },
    el('thead', {}, el('tr', {}, ...['path', 'fileRole', 'size', 'sha256', 'check'].map((k) => el('th', { scope: 'col', class: k === 'size' ? 'num' : null, text: t(k) })))),
    el('tbody', {}, bundle.inventory.map((f) => el('tr', { class: FAILED_CHECKS.has(f.check) ? 'failed' : null },
      el('td', { class: 'mono', text: f.path }),
      el('td', { text: f.role ? t(f.role) : t('none') }),
      el('td', { class: 'num', text: formatBytes(f.size) }),
      el('td', { class: 'mono hash', text: f.sha256 }),
      el('td', { class: `check-${f.check.startsWith('matches') ? 'matches' : f.check}`, text: f.check === 'self' ? t('none') : t(f.check) })))))),
  el('p', { class: 'muted', text: t(bundle.inventory.some((f) => f.path === 'manifest.sig') ? 'signatureNotChecked' : 'bundleUnsigned') }));
  const reports = el('div', { class: 'reports' });
  for (const r of bundle.reports) {
    const counts = new Map();
    for (const s of r.sections) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
    reports.append(el('div', { class: 'report' },
      el('h4', { class: 'mono', text: r.format ?? r.path }),
      el('p', { class: 'summary' }, [...counts].map(([s, n]) => el('span', { class: `sec sec-${s}`, 'data-status': s }, `${sectionStatus(s)} ${formatNumber(n)}`))),
      el('table', { class: 'compact' },
        el('caption', { class: 'sr-only', text: `${t('sections')}: ${r.format}` }),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('section') }), el('th', { scope: 'col', text: t('sectionStatus') }))),
        el('tbody', {}, r.sections.map((s) => el('tr', {},
          el('th', { scope: 'row' }, el('span', { class: 'mono', text: s.key }), ' ', el('span', { class: 'muted', text: s.title })),
          el('td', {}, el('span', { class: `sec sec-${s.status}`, 'data-status': s.status, text: sectionStatus(s.status) }))))))));
  }
  parts.push(el('h3', { text: t('sections') }), reports);
  out.replaceChildren(...parts);
}

// ---------------------------------------------------------------- start

function init() {
  const saved = localStorage.getItem(LANG_KEY);
  const preferred = saved ?? (navigator.language?.toLowerCase().startsWith('es') ? 'es' : 'en');
  const browserZone = dates.browserZone();
  $('timezone').value = browserZone;
  $('zones').replaceChildren(...dates.knownZones().map((z) => el('option', { value: z })));
  renderFormats();
  applyLanguage(preferred);

  for (const b of document.querySelectorAll('[data-lang]')) b.addEventListener('click', () => applyLanguage(b.dataset.lang));
  for (const b of document.querySelectorAll('[data-range]')) b.addEventListener('click', () => chooseRange(b.dataset.range));
  for (const id of ['start-date', 'start-time', 'end-date', 'end-time']) $(id).addEventListener('input', forgetRange);
  $('timezone').addEventListener('change', () => {
    setFieldError('timezone', null);
    if (state.range) chooseRange(state.range);
  });
  $('create').addEventListener('submit', submitCreate);
  $('dev-sign-in').addEventListener('submit', devSignIn);
  $('token-sign-in').addEventListener('submit', tokenSignIn);
  $('sign-out').addEventListener('click', () => { api.setToken(null); showSignIn(); });
  $('status-filter').addEventListener('change', (e) => {
    state.statusFilter = e.target.value;
    state.cursors = [null];
    loadJobs();
  });
  $('refresh').addEventListener('click', () => { state.delay = FAST_MS; loadJobs(); });
  $('older').addEventListener('click', () => { if (state.nextCursor) { state.cursors.push(state.nextCursor); loadJobs(); } });
  $('newer').addEventListener('click', () => { if (state.cursors.length > 1) { state.cursors.pop(); loadJobs(); } });
  $('share-form').addEventListener('submit', createShareLink);
  $('share-copy').addEventListener('click', copyShareUrl);
  $('share-close').addEventListener('click', () => { $('share').close(); state.shareJob = null; });
  $('bundle-close').addEventListener('click', () => { $('bundle').hidden = true; state.bundleJob = null; });
  document.addEventListener('visibilitychange', onVisibility);
  api.whenUnauthorized(() => { api.setToken(null); showSignIn(t('sessionEnded')); });

  if (api.token()) showWorkspace();
  else showSignIn();
}

init();
