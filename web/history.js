// The export history: one page of jobs at a time, filtered by status,
// polled while something runs (and the tab is visible), each status change
// announced; and what a row's buttons do.
import * as api from './api.js';
import { showBundle } from './bundle-view.js';
import { runAgain } from './form.js';
import {
  formatNumber, formatRelative, language, locale, t,
} from './i18n.js';
import {
  ACTIVE, focusJob, forgetOpenRows, jobName, safeJobRow, samplesRow,
} from './job-row.js';
import { viewReport } from './report.js';
import { failureReason } from './server-words.js';
import { openShare } from './share.js';
import {
  $, announce, availableUntil, el, errorText, flashCopied,
} from './ui.js';

const PAGE_SIZE = 25;
/** Refresh while something runs: 2 s, growing by half each quiet tick, up to 30 s. */
const FAST_MS = 2000;
const SLOW_MS = 30000;
/** With nothing running, the list is fetched quietly this often (jobs made elsewhere, expiries). */
const IDLE_MS = 60000;
/** Relative times ("in 40 seconds") are said again this often; a row whose file is gone turns Expired. */
const TICK_MS = 30000;

const state = {
  jobs: [],
  statusFilter: '',
  cursors: [null], // cursor of each page seen; the last is the current page's
  nextCursor: null,
  delay: FAST_MS,
  timer: null,
  known: new Map(), // job id -> last status seen, to announce transitions
  updatedAt: null,
  notes: new Map(), // job id -> a message shown in its row (a download that failed)
  tick: null,
  // The session ended during a refresh of the page's own: no more polling until signed in again.
  sessionLost: false,
};

const ROW_ACTIONS = {
  download, cancel: confirmCancel, runAgain, copySha, share: openShare, bundle: showBundle, report: viewReport,
};

/**
 * Fetches the current page. `announce`: say which jobs changed status;
 * `sayShown`: after a new filter or page, also say what is shown now;
 * `background`: a refresh of the page's own (a timer, the tab shown again),
 * whose 401 must not take the user away from what they are doing (app.js).
 */
async function loadJobs({ announce: say = true, sayShown = false, background = false } = {}) {
  clearTimeout(state.timer);
  state.timer = null;
  try {
    const page = await api.jobs.list({
      status: state.statusFilter, cursor: state.cursors.at(-1), limit: PAGE_SIZE, background,
    });
    const jobs = withTimePassed(page.jobs);
    const messages = say ? transitionMessages(jobs) : rememberStatuses(jobs);
    state.jobs = jobs;
    state.nextCursor = page.next_cursor;
    $('history-error').hidden = true;
    state.updatedAt = Date.now();
    state.delay = messages.length ? FAST_MS : Math.min(SLOW_MS, Math.round(state.delay * 1.5));
    renderJobs();
    if (sayShown) messages.push(shownMessage());
    if (messages.length) announce(messages.join(' '));
  } catch (problem) {
    if (problem.status === 401) return;
    // Not the API's problem but this page's own failure: say what it was.
    if (problem.status === undefined) console.error(problem);
    $('history-error').textContent = problem.status === 0 ? t('network') : errorText(problem);
    $('history-error').hidden = false;
  }
  scheduleRefresh();
}

function rememberStatuses(jobs) {
  for (const j of jobs) state.known.set(j.id, j.status);
  return [];
}

/** One message for every row whose status changed since the last look. */
function transitionMessages(jobs) {
  const messages = [];
  for (const j of jobs) {
    const before = state.known.get(j.id);
    if (before !== undefined && before !== j.status) messages.push(transitionMessage(j));
    state.known.set(j.id, j.status);
  }
  return messages;
}

/** What the history shows now: how many jobs, of which status, on which page. */
function shownMessage() {
  if (!state.jobs.length) return t(state.statusFilter ? 'emptyFiltered' : 'emptyAll');
  const one = state.jobs.length === 1 ? 'One' : '';
  return t(`${state.statusFilter ? 'shownStatus' : 'shownAll'}${one}`, {
    count: formatNumber(state.jobs.length),
    status: state.statusFilter ? t(`st_${state.statusFilter}`) : '',
    n: formatNumber(state.cursors.length),
  });
}

function transitionMessage(job) {
  const name = jobName(job);
  switch (job.status) {
    case 'completed': return t(job.event_count === 1 ? 'announceCompletedOne' : 'announceCompleted', { name, count: formatNumber(job.event_count ?? 0) });
    case 'failed': return t('announceFailed', { name, reason: failureReason(job.error).text });
    case 'canceled': return t('announceCanceled', { name });
    case 'processing': return t('announceProcessing', { name });
    case 'expired': return t('announceExpired', { name });
    default: return t('announceQueued', { name });
  }
}

export function stopRefresh() {
  clearTimeout(state.timer);
  state.timer = null;
}

/** Signed out: no polling, no ticking. */
export function stopHistory() {
  stopRefresh();
  stopTick();
}

/**
 * The session ended during a background refresh: the workspace stays as it
 * is (app.js says so in a notice), but nothing is fetched on a timer or when
 * the tab shows again until the user signs in (startHistory).
 */
export function pauseHistory() {
  state.sessionLost = true;
  stopRefresh();
}

/**
 * Poll only while the tab is visible: fast while something runs, else
 * quietly every minute (a job made by the CLI or another tab, a file that
 * expired). A refresh keeps the page, the filter and the focus.
 */
function scheduleRefresh() {
  stopRefresh();
  if (document.visibilityState === 'hidden' || $('workspace').hidden || state.sessionLost) return;
  const running = state.jobs.some((j) => ACTIVE.has(j.status));
  state.timer = setTimeout(() => loadJobs({ background: true }), running ? state.delay : IDLE_MS);
}

function onVisibility() {
  if (document.visibilityState === 'hidden') {
    stopRefresh();
    stopTick();
  } else if (!$('workspace').hidden) {
    startTick();
    if (state.sessionLost) return;
    state.delay = FAST_MS;
    loadJobs({ background: true });
  }
}

function stopTick() {
  clearInterval(state.tick);
  state.tick = null;
}

function startTick() {
  stopTick();
  state.tick = setInterval(tick, TICK_MS);
}

/**
 * Time passes on the page too: a completed row whose file is no longer kept
 * turns Expired (and is announced), and every relative time is said again.
 */
function tick() {
  if ($('workspace').hidden) return;
  const now = Date.now();
  const before = state.jobs;
  state.jobs = withTimePassed(before, now);
  if (state.jobs.some((job, i) => job !== before[i])) {
    const said = transitionMessages(state.jobs);
    renderJobs();
    if (said.length) announce(said.join(' '));
  } else {
    refreshRelativeTimes(now);
  }
}

/**
 * The jobs as they are at `now`: a completed one whose file is no longer
 * kept (its expires_at, or its retention's end, has passed) is expired,
 * whether or not the service's sweep has marked it yet.
 */
function withTimePassed(jobs, now = Date.now()) {
  return jobs.map((job) => {
    if (job.status !== 'completed' || !job.expires_at || !(availableUntil(job) <= now)) return job;
    return { ...job, status: 'expired', actions: [] };
  });
}

function refreshRelativeTimes(now = Date.now()) {
  for (const node of $('jobs').querySelectorAll('[data-relative]')) {
    const text = formatRelative(Number(node.dataset.relative), now);
    // Only what changed: a text selection in the row survives.
    if (node.textContent !== text) node.textContent = text;
  }
}

/** What the rows were last drawn from (rowsKey), or null. */
let drawn = null;

/**
 * Everything the rows are drawn from: the jobs as the API gave them (ids,
 * statuses, progress, counts, expiry, stats…), the rows' notes, the filter
 * (the empty list's words) and the language.
 */
function rowsKey() {
  return JSON.stringify([language(), state.statusFilter, state.jobs, [...state.notes]]);
}

/**
 * Draws the history. The rows are drawn again only when what they show
 * changed: a quiet refresh that brings the same list leaves them as they
 * are (the focus, a text selection, the scroll, an opened disclosure).
 */
export function renderJobs() {
  const active = document.activeElement;
  const pagerFocused = active === $('newer') || active === $('older') ? active : null;
  const key = rowsKey();
  if (key === drawn) refreshRelativeTimes();
  else drawRows();
  drawn = key;
  if (state.updatedAt) {
    $('updated').textContent = t('updated', { time: new Intl.DateTimeFormat(locale(), { timeStyle: 'medium' }).format(state.updatedAt) });
  }
  $('newer').disabled = state.cursors.length <= 1;
  $('older').disabled = !state.nextCursor;
  $('page-number').textContent = t('page', { n: state.cursors.length });
  // The last or first page reached: its button is now disabled and would
  // drop the focus; the other one (or the heading) takes it.
  if (pagerFocused?.disabled) {
    const other = pagerFocused === $('older') ? $('newer') : $('older');
    (other.disabled ? $('history-h') : other).focus();
  }
}

/** The rows, drawn anew; the focus goes back to the same job's control, without scrolling. */
function drawRows() {
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
    body.replaceChildren(...state.jobs.flatMap((job) => {
      const rows = [safeJobRow(job, ROW_ACTIONS, state.notes.get(job.id))];
      try {
        rows.push(samplesRow(job));
      } catch (e) {
        console.error(`job ${job?.id}: rejected samples not rendered`, e);
      }
      return rows.filter(Boolean);
    }));
  }
  for (const d of body.querySelectorAll('tr[data-job-id] details')) {
    if (opened.has(d.closest('tr').dataset.jobId)) d.open = true;
  }
  // Without scrolling: the user may have scrolled away from the focused row.
  if (focusKey) focusJob(...focusKey, { preventScroll: true });
}

async function download(job, button) {
  // aria-disabled, not disabled: a disabled button would drop the keyboard focus.
  if (button.getAttribute('aria-disabled') === 'true') return;
  button.setAttribute('aria-disabled', 'true');
  if (state.notes.delete(job.id)) {
    button.closest('tr')?.querySelector('.row-note')?.remove();
    drawn = null; // the rows no longer show what they were drawn from
  }
  try {
    const link = await api.jobs.link(job.id);
    const a = el('a', { href: link.url, download: link.file_name, rel: 'noopener' });
    document.body.append(a);
    a.click();
    a.remove();
  } catch (problem) {
    // Said in the row (visibly, and announced), not only to a screen reader.
    const message = problem.status === 410 ? t('downloadGone') : problem.status === 0 ? t('network') : errorText(problem);
    state.notes.set(job.id, message);
    announce(message);
    await loadJobs({ announce: false });
  } finally {
    button.removeAttribute('aria-disabled');
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
  flashCopied(button, 'copySha', 'copiedSha');
}

function confirmCancel(job) {
  const dialog = $('confirm-cancel');
  $('confirm-body').textContent = t('confirmCancelBody', { name: jobName(job) });
  dialog.returnValue = '';
  dialog.onclose = async () => {
    // A refresh while the dialog was open drew the row again: the button that
    // opened it is gone, so the dialog cannot give the focus back to it.
    focusJob(job.id, 'cancel');
    if (dialog.returnValue !== 'cancel') return;
    try {
      const updated = await api.jobs.cancel(job.id);
      state.jobs = state.jobs.map((j) => (j.id === updated.id ? updated : j));
      const said = transitionMessages([updated]);
      if (said.length) announce(said.join(' '));
      renderJobs();
    } catch (problem) {
      if (problem.status === 409) await reloadRow(job.id, t('cancelConflict'));
      else announce(errorText(problem));
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

/** A job the form just made: announced, shown at the top of the first page if it fits the filter, polled. */
export function addCreatedJob(job) {
  state.known.set(job.id, job.status);
  announce(t('created', { name: jobName(job) }));
  if (state.cursors.length === 1 && (!state.statusFilter || state.statusFilter === job.status)) {
    state.jobs = [job, ...state.jobs.filter((j) => j.id !== job.id)].slice(0, PAGE_SIZE);
    renderJobs();
  }
  state.delay = FAST_MS;
  scheduleRefresh();
}

/** The first page, after sign-in: no announcements for what was already there. */
export function startHistory() {
  state.sessionLost = false;
  state.known.clear();
  state.notes.clear();
  forgetOpenRows();
  drawn = null; // a new session: every row drawn anew (closed)
  state.cursors = [null];
  startTick();
  loadJobs({ announce: false });
}

/** The history's controls: status filter, refresh, paging; polling paused in a hidden tab. */
export function initHistory() {
  $('status-filter').addEventListener('change', (e) => {
    state.statusFilter = e.target.value;
    state.cursors = [null];
    loadJobs({ sayShown: true });
  });
  $('refresh').addEventListener('click', () => { state.delay = FAST_MS; loadJobs(); });
  $('older').addEventListener('click', () => {
    if (state.nextCursor) { state.cursors.push(state.nextCursor); loadJobs({ sayShown: true }); }
  });
  $('newer').addEventListener('click', () => {
    if (state.cursors.length > 1) { state.cursors.pop(); loadJobs({ sayShown: true }); }
  });
  document.addEventListener('visibilitychange', onVisibility);
}
