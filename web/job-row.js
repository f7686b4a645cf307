// One row of the export history: the file and its window in the job's
// zone, status (with progress or the failure reason), counts, times and the
// buttons that fit the status. What a button does is the caller's
// (`actions`), so a row only draws.
import {
  formatDateTime, formatNumber, formatRelative, language, locale, t,
} from './i18n.js';
import { REPORT_FORMATS } from './report.js';
import { failureReason, rejectedLineReason } from './server-words.js';
import { availableUntil, el, timeEl, zonedEndText, zonedText } from './ui.js';

export const ACTIVE = new Set(['queued', 'processing']);

function statusCell(job) {
  const word = el('span', { class: `status status-${job.status}` }, el('span', { class: 'dot', 'aria-hidden': 'true' }), t(`st_${job.status}`));
  const cell = el('td', { 'data-label': t('colStatus') }, word);
  if (job.status === 'processing') {
    const pct = Math.round((job.progress ?? 0) * 100);
    cell.append(el('div', { class: 'progress' },
      el('progress', { max: '100', value: String(pct), 'aria-label': t('progressOf', { name: job.file_name }) }),
      // The bar says its value; the figure beside it is for the eye only.
      el('span', { class: 'small muted', 'aria-hidden': 'true', text: new Intl.NumberFormat(locale(), { style: 'percent' }).format(pct / 100) })));
  }
  if (job.status === 'failed' && job.error) cell.append(...reasonNodes(job.error, job.id));
  // Nothing in the window (a quick range that ends now, data from months ago; a zone mistaken): say where to look.
  if (job.status === 'completed' && job.event_count === 0) cell.append(el('p', { class: 'zero-hint small', text: t('noEventsHint') }));
  return cell;
}

/**
 * Why a job failed: the server's message, or on a translated page the
 * sentence for its code, with the server's exact words a click away.
 */
function reasonNodes(error, jobId) {
  const { text, original } = failureReason(error);
  if (!original) {
    // Not translated: on a page in another language, say that it is English.
    return clampedReason(el('p', { class: 'reason', lang: language() === 'en' ? null : 'en', text }), jobId);
  }
  return [
    ...clampedReason(el('p', { class: 'reason', 'data-code': error.code, text }), jobId),
    el('details', { class: 'reason-original' },
      el('summary', { 'data-action': 'reason-original', text: t('reasonOriginal') }),
      el('p', { lang: 'en', text: original })),
  ];
}

/** "in 3 days": said again as time passes (history.js re-reads `data-relative`). */
function relativeEl(ms) {
  return el('div', { class: 'small muted', 'data-relative': String(ms), text: formatRelative(ms) });
}

/** Reasons longer than this show their first lines, the rest a click away. */
const LONG_REASON = 140;
/** Jobs whose long reason was opened: it stays open when the row is drawn again. */
const openReasons = new Set();

/**
 * A long failure reason made a very tall row in the narrow Status column:
 * its first three lines are shown (the whole text stays in the document for
 * a screen reader), with a button that shows the rest.
 */
function clampedReason(p, jobId) {
  if (p.textContent.length <= LONG_REASON) return [p];
  p.id = `reason-${jobId}`;
  const open = openReasons.has(jobId);
  p.classList.toggle('clamped', !open);
  const button = el('button', {
    type: 'button', class: 'link reason-toggle small', 'data-action': 'reason-more',
    'aria-expanded': String(open), 'aria-controls': p.id,
    onclick: (e) => {
      const opening = !openReasons.has(jobId);
      if (opening) openReasons.add(jobId);
      else openReasons.delete(jobId);
      p.classList.toggle('clamped', !opening);
      e.currentTarget.setAttribute('aria-expanded', String(opening));
      e.currentTarget.textContent = t(opening ? 'reasonLess' : 'reasonMore');
    },
  }, t(open ? 'reasonLess' : 'reasonMore'));
  return [p, button];
}

function expiresCell(job) {
  const label = t('colExpires');
  if (!job.expires_at) return el('td', { class: 'muted', 'data-label': label, text: t('none') });
  const ms = Date.parse(job.expires_at);
  const kept = availableUntil(job);
  if (job.status === 'completed' && kept > ms) {
    // A retained evidence export: kept (locked) and downloadable until then.
    return el('td', { class: 'when', 'data-label': label }, el('div', { text: t('keptUntil') }),
      timeEl(job.retained_until, formatDateTime(kept)),
      relativeEl(kept));
  }
  if (job.status === 'expired') {
    return el('td', { class: 'when expired', 'data-label': label }, el('strong', { text: t('st_expired') }), ' ',
      timeEl(job.expires_at, formatDateTime(ms)),
      relativeEl(ms));
  }
  return el('td', { class: 'when', 'data-label': label }, timeEl(job.expires_at, formatDateTime(ms)),
    relativeEl(ms));
}

function actionsCell(job, actions, note) {
  const buttons = [];
  if (job.status === 'completed' || job.status === 'expired') {
    buttons.push(el('button', {
      type: 'button', 'data-action': 'download', disabled: job.status === 'expired',
      'aria-describedby': job.status === 'expired' ? `exp-${job.id}` : null,
      onclick: (e) => actions.download(job, e.currentTarget),
    }, t('download')));
  }
  if (ACTIVE.has(job.status)) {
    buttons.push(el('button', { type: 'button', class: 'danger-quiet', 'data-action': 'cancel', onclick: () => actions.cancel(job) }, t('cancel')));
  }
  if (['expired', 'failed', 'canceled'].includes(job.status)) {
    buttons.push(el('button', { type: 'button', 'data-action': 'run-again', onclick: () => actions.runAgain(job) }, t('runAgain')));
  }
  if (job.status === 'completed' && job.sha256) {
    buttons.push(el('button', {
      type: 'button', class: 'quiet', 'data-action': 'copy-sha', title: job.sha256,
      onclick: (e) => actions.copySha(job, e.currentTarget),
    }, t('copySha')));
  }
  if (job.status === 'completed') {
    buttons.push(el('button', { type: 'button', class: 'quiet', 'data-action': 'share', onclick: () => actions.share(job) }, t('share')));
  }
  if (job.status === 'completed' && REPORT_FORMATS.has(job.format)) {
    buttons.push(el('button', { type: 'button', class: 'quiet', 'data-action': 'report', onclick: (e) => actions.report(job, e.currentTarget) }, t('viewReport')));
  }
  if (job.status === 'completed' && job.format === 'compliance-all') {
    buttons.push(el('button', { type: 'button', class: 'quiet', 'data-action': 'bundle', onclick: () => actions.bundle(job) }, t('viewBundle')));
  }
  const cell = el('td', { class: 'actions', 'data-label': t('colActions') }, el('div', { class: 'btns' }, buttons));
  if (job.status === 'expired') cell.append(el('p', { class: 'small muted', id: `exp-${job.id}`, text: t('expiredNoDownload') }));
  // What happened to this row's last download (the file had expired, say): on screen, not only announced.
  if (note) cell.append(el('p', { class: 'row-note notice error small', text: note }));
  return cell;
}

/** Jobs whose rejected lines' reasons are shown: they stay shown when the rows are drawn again. */
const openSamples = new Set();

/** A new session (signed in again, perhaps as another tenant): every row drawn closed. */
export function forgetOpenRows() {
  openReasons.clear();
  openSamples.clear();
}

function rejectedSamples(job) {
  return Array.isArray(job.stats?.rejected_samples) ? job.stats.rejected_samples : [];
}

/**
 * The rejected lines' count; when the job's stats carry sample reasons, the
 * count is a button that shows them in a row of their own under the job's
 * (samplesRow): the narrow column has no room for them.
 */
function rejectedCell(job, rejected) {
  const label = t('colRejectedLong');
  if (rejected == null) return el('td', { class: 'num', 'data-label': label, text: t('none') });
  if (!rejected || !rejectedSamples(job).length) {
    return el('td', { class: `num${rejected ? ' warn' : ''}`, 'data-label': label, text: formatNumber(rejected) });
  }
  const open = openSamples.has(job.id);
  return el('td', { class: 'num warn rejected', 'data-label': label },
    el('button', {
      type: 'button', class: 'link rejected-toggle', 'data-action': 'rejected-samples',
      'aria-expanded': String(open), 'aria-controls': `samples-${job.id}`,
      onclick: (e) => {
        const opening = !openSamples.has(job.id);
        if (opening) openSamples.add(job.id);
        else openSamples.delete(job.id);
        e.currentTarget.setAttribute('aria-expanded', String(opening));
        // Its row may have failed to render (history.js logs it): the button must not throw.
        const list = document.getElementById(`samples-${job.id}`);
        if (list) list.hidden = !opening;
      },
    }, formatNumber(rejected), el('span', { class: 'sr-only', text: ` ${t('rejectedWhy')}` })));
}

/**
 * Why a job's lines were rejected: its stats' samples (line and object as
 * the API gives them, the reason in the page's words where it knows them),
 * a row under the job's, shown by the Rejected count. Null without samples.
 */
export function samplesRow(job) {
  const samples = rejectedSamples(job);
  const rejected = job.stats?.rejected_lines;
  if (!rejected || !samples.length) return null;
  const intro = samples.length < rejected
    ? t('rejectedSamplesSome', { n: formatNumber(samples.length), total: formatNumber(rejected) })
    : t('rejectedSamplesAll');
  return el('tr', { class: 'samples-row', id: `samples-${job.id}`, 'data-samples-for': job.id, hidden: !openSamples.has(job.id) },
    el('td', { colspan: '9' },
      el('div', { class: 'samples' },
        el('p', { text: intro }),
        el('ul', {}, samples.map((sample) => {
          const reason = rejectedLineReason(sample.reason);
          return el('li', {},
            el('span', { class: 'where', text: t('rejectedAt', { line: formatNumber(sample.line), object: String(sample.object ?? '') }) }),
            ' ',
            el('span', { class: 'why', lang: reason.english && language() !== 'en' ? 'en' : null, text: reason.text }));
        })))));
}

/**
 * The file name, allowed to wrap after its underscores (a <wbr> after each
 * "_") and never inside a date (a part holding one is kept whole: its
 * hyphens are no place to break). Other parts ("compliance-all.tar.gz")
 * may still break at a hyphen, so the File column needs no more width.
 */
function fileNameWithBreaks(name) {
  const part = (text) => (/\d{4}-\d{2}-\d{2}/.test(text) ? el('span', { class: 'nw', text }) : text);
  return name.split('_').flatMap((text, i, all) => (i < all.length - 1 ? [part(`${text}_`), el('wbr')] : [part(text)]));
}

/**
 * A job's row, or, when something in it cannot be shown (an instant this
 * browser's Date cannot read, say), a plain row with its file, id and
 * status: one odd job must not blank the whole history.
 */
export function safeJobRow(job, actions, note = null) {
  try {
    return jobRow(job, actions, note);
  } catch (e) {
    console.error(`job ${job?.id}: row not rendered`, e);
    return el('tr', { 'data-job-id': job?.id ?? '', 'data-status': job?.status ?? '' },
      el('th', { scope: 'row', class: 'file' },
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

function jobRow(job, actions, note) {
  const created = Date.parse(job.created_at);
  const rejected = job.stats?.rejected_lines;
  return el('tr', { 'data-job-id': job.id, 'data-status': job.status },
    // The row's header: a screen reader says it with each cell and button.
    el('th', { scope: 'row', class: 'file' },
      el('div', { class: 'mono file-name' }, fileNameWithBreaks(job.file_name)),
      originTag(job),
      job.label ? el('div', { class: 'label-text', text: job.label }) : null,
      el('div', { class: 'small muted mono job-id', text: job.id })),
    el('td', { class: 'window', 'data-label': t('colWindow') },
      timeEl(job.window_start, zonedText(job.window_start, job.timezone)),
      el('span', { class: 'muted', 'aria-hidden': 'true' }, ' → '),
      // What the arrow says, for a screen reader: "… to …" (shown as a word on job cards, where the arrow is not).
      el('span', { class: 'sr-only window-to', text: ` ${t('windowTo')} ` }),
      el('br'),
      timeEl(job.window_end, zonedEndText(job.window_end, job.timezone)),
      el('div', { class: 'small muted', text: job.timezone })),
    el('td', { 'data-label': t('colFormat') }, el('span', { class: 'format', text: job.format })),
    statusCell(job),
    el('td', { class: 'num', 'data-label': t('colEvents'), text: job.event_count == null ? t('none') : formatNumber(job.event_count) }),
    rejectedCell(job, rejected),
    el('td', { class: 'when', 'data-label': t('colCreated') }, timeEl(job.created_at, formatDateTime(created)), relativeEl(created)),
    expiresCell(job),
    actionsCell(job, actions, note));
}

/**
 * A job as announcements and the cancel confirmation name it: its file name
 * says only the days, so two jobs can share it; the label tells them apart,
 * else the window in the job's zone, with the zone.
 */
export function jobName(job) {
  if (job.label) return t('jobWithLabel', { name: job.file_name, label: job.label });
  try {
    return t('jobWithWindow', {
      name: job.file_name,
      start: zonedText(job.window_start, job.timezone),
      end: zonedEndText(job.window_end, job.timezone),
      zone: job.timezone,
    });
  } catch {
    return job.file_name; // a window this browser cannot read: the row says so already
  }
}

/**
 * Puts the focus back on a job's control after its row was drawn again (a
 * refresh replaces every button, so the one a dialog or panel was opened
 * from may be gone): the same action when it is there and usable, else the
 * row's first usable button, else the history's heading. `preventScroll`:
 * after a refresh, which must not scroll the page under the user.
 */
export function focusJob(jobId, action, { preventScroll = false } = {}) {
  const row = [...document.querySelectorAll('#jobs tr[data-job-id]')].find((r) => r.dataset.jobId === jobId);
  const target = row?.querySelector(`[data-action="${action}"]:not(:disabled)`)
    ?? row?.querySelector('button:not(:disabled)')
    ?? document.getElementById('history-h');
  target.focus({ preventScroll });
}
