// The "New export" form: a window (quick ranges in the chosen zone, or
// dates and times), a format and a label; errors at their fields; one
// idempotency key per distinct request, so a retry cannot make two jobs.
import * as api from './api.js';
import * as dates from './dates.js';
import { t } from './i18n.js';
import { fieldLabel, fieldMessage, problemWords } from './server-words.js';
import { $, announce, el, wordsNodes } from './ui.js';

const FORMATS = ['csv', 'json', 'compliance-aesia', 'compliance-aepd', 'compliance-ens', 'compliance-all'];

/** The quick range the form holds, recomputed when the zone changes. */
let range = null;

export function renderFormats() {
  const box = $('format-options');
  const chosen = box.querySelector('input:checked')?.value ?? 'csv';
  box.replaceChildren(...FORMATS.map((f) => el('label', { class: 'format-option' },
    el('input', { type: 'radio', name: 'format', value: f, checked: f === chosen, 'aria-labelledby': `fmt-name-${f}`, 'aria-describedby': `fmt-${f}` }),
    el('span', { class: 'format-name', id: `fmt-name-${f}`, text: f }),
    el('span', { class: 'format-desc', id: `fmt-${f}`, text: t(`fmt_${f}`) }))));
}

function zone() {
  return dates.canonicalZone($('timezone').value) || 'UTC';
}

function setFields(f) {
  $('start-date').value = f.startDate;
  $('start-time').value = f.startTime;
  $('end-date').value = f.endDate;
  $('end-time').value = f.endTime;
}

function chooseRange(name) {
  range = name;
  if (dates.isKnownZone(zone())) setFields(dates.quickRange(name, Date.now(), zone()));
  for (const b of document.querySelectorAll('[data-range]')) b.setAttribute('aria-pressed', String(b.dataset.range === name));
  clearErrors();
}

function forgetRange() {
  range = null;
  for (const b of document.querySelectorAll('[data-range]')) b.setAttribute('aria-pressed', 'false');
}

const FIELD_IDS = { date_from: 'start-date', date_to: 'end-date', timezone: 'timezone', label: 'label', format: 'format', tenant: 'tenant' };

/** Shows (or, with no message, clears) a field's error; false if the field has no place for one. */
export function setFieldError(field, message) {
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
  // The active-job limit (429) and a busy service (503) say how long to wait.
  if (problem.retryAfter !== null && problem.retryAfter !== undefined && [429, 503].includes(problem.status)) {
    unplaced.push([problem.retryAfter === 1 ? t('tryAgainInOne') : t('tryAgainIn', { n: problem.retryAfter })]);
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

/** The request the form holds, or null (every invalid field then says why, the first has the focus). */
function requestBody() {
  const start = { date: $('start-date').value, time: $('start-time').value };
  const end = { date: $('end-date').value, time: $('end-time').value };
  const invalid = [];
  if (!start.date && setFieldError('date_from', t('required'))) invalid.push('date_from');
  if (!end.date && setFieldError('date_to', t('required'))) invalid.push('date_to');
  const from = `${start.date}T${start.time || '00:00'}`;
  const to = `${end.date}T${end.time || '24:00'}`;
  if (!invalid.length && from > to) {
    setFieldError('date_from', t('startAfterEnd'));
    invalid.push('date_from');
  } else if (!invalid.length && from === to) {
    // Not a start after the end: an empty window, the end is what to move.
    setFieldError('date_to', t('endNotAfterStart'));
    invalid.push('date_to');
  }
  if (invalid.length) {
    focusField(invalid[0]);
    return null;
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
  return body;
}

async function submitCreate(event, onCreated) {
  event.preventDefault();
  const button = $('submit');
  if (button.getAttribute('aria-disabled') === 'true') return;
  clearErrors();
  const body = requestBody();
  if (!body) return;
  const serialised = JSON.stringify(body);
  if (pending.body !== serialised) pending = { body: serialised, key: newIdempotencyKey() };
  // aria-disabled, not disabled: a disabled button would drop the keyboard focus.
  button.setAttribute('aria-disabled', 'true');
  $('submit-state').textContent = t('creating');
  try {
    const job = await api.jobs.create(body, pending.key);
    pending = { body: null, key: null };
    onCreated(job);
  } catch (problem) {
    showProblem(problem);
  } finally {
    button.removeAttribute('aria-disabled');
    $('submit-state').textContent = '';
  }
}

/** The form filled with `job`'s request, to run it again. */
export function runAgain(job) {
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

/** The form's controls; `onCreated(job)` when the API has made a job. */
export function initForm(onCreated) {
  $('timezone').value = dates.browserZone();
  $('zones').replaceChildren(...dates.knownZones().map((z) => el('option', { value: z })));
  renderFormats();
  for (const b of document.querySelectorAll('[data-range]')) b.addEventListener('click', () => chooseRange(b.dataset.range));
  for (const id of ['start-date', 'start-time', 'end-date', 'end-time']) $(id).addEventListener('input', forgetRange);
  $('timezone').addEventListener('change', () => {
    // Typed in any case: shown, and sent, as its IANA name.
    const canonical = dates.canonicalZone($('timezone').value);
    if (canonical && canonical !== $('timezone').value) $('timezone').value = canonical;
    setFieldError('timezone', null);
    if (range) chooseRange(range);
  });
  $('create').addEventListener('submit', (event) => submitCreate(event, onCreated));
}
