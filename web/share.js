// The Share dialog: links an auditor can open without an account, each with
// a note and a lifetime no longer than the file is kept; the job's links
// listed, live ones revocable.
import * as api from './api.js';
import { formatDateTime, t } from './i18n.js';
import { focusJob } from './job-row.js';
import { fieldLabel, fieldMessage, problemWords } from './server-words.js';
import { $, announce, availableUntil, el, errorText, flashCopied, timeEl, wordsNodes } from './ui.js';

const DAY_MS = 86400000;

/** The job whose dialog is open. */
let shareJob = null;

/** Whole days left until the job's file is deleted, rounded up (the API's maximum). */
function maxShareDays(job) {
  return Math.max(1, Math.ceil((availableUntil(job) - Date.now()) / DAY_MS));
}

export function openShare(job) {
  shareJob = job;
  const dialog = $('share');
  $('share-h').textContent = t('shareTitle', { name: job.file_name });
  clearShareErrors();
  $('share-result').hidden = true;
  $('share-url').value = '';
  $('share-note').value = '';
  const max = maxShareDays(job);
  $('share-days').max = String(max);
  $('share-days').value = String(Math.min(7, max));
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
    $('share-links').replaceChildren(el('p', { class: 'notice error', text: errorText(problem) }));
    return;
  }
  if (shareJob !== job) return;
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

/** The dialog's fields by the API's names for them. */
const SHARE_FIELDS = { note: 'share-note', expires_in_days: 'share-days' };

/** No message on the fields nor above them. */
function clearShareErrors() {
  $('share-error').hidden = true;
  for (const id of Object.values(SHARE_FIELDS)) {
    $(id).removeAttribute('aria-invalid');
    $(`${id}-error`).hidden = true;
    $(`${id}-error`).textContent = '';
  }
}

/**
 * `messages`: [field, text] said under their fields (the first takes the
 * focus); `words` (a message, or what the API said: problemWords) above
 * the form, for what has no field.
 */
function showShareError({ messages = [], words = null }) {
  clearShareErrors();
  for (const [field, text] of messages) {
    const id = SHARE_FIELDS[field];
    $(id).setAttribute('aria-invalid', 'true');
    $(`${id}-error`).textContent = text;
    $(`${id}-error`).hidden = false;
  }
  if (words) {
    const box = $('share-error');
    box.replaceChildren(...wordsNodes(words));
    box.hidden = false;
    if (!messages.length) box.focus();
  }
  if (messages.length) $(SHARE_FIELDS[messages[0][0]]).focus();
}

/** The API's refusal: each field's message under its field, the rest above. */
function showShareProblem(problem) {
  if (problem.status === 0) {
    showShareError({ words: t('network') });
    return;
  }
  const placed = problem.errors.filter((e) => SHARE_FIELDS[e.field]);
  const others = problem.errors.filter((e) => !SHARE_FIELDS[e.field]);
  const messages = placed.map((e) => [e.field, fieldMessage(e.message) ?? e.message]);
  let words = null;
  if (!placed.length) words = problemWords(problem, problem.detail || problem.title);
  else if (others.length) words = others.map((e) => `${fieldLabel(e.field)}: ${fieldMessage(e.message) ?? e.message}`).join(' ');
  showShareError({ messages, words });
}

async function createShareLink(event) {
  event.preventDefault();
  const job = shareJob;
  const note = $('share-note').value.trim();
  if (!note) {
    showShareError({ messages: [['note', t('shareNoteRequired')]] });
    return;
  }
  const days = Number($('share-days').value);
  const button = $('share-create');
  button.disabled = true;
  try {
    const link = await api.links.create(job.id, { note, expires_in_days: days });
    clearShareErrors();
    $('share-url').value = link.url;
    $('share-result').hidden = false;
    $('share-note').value = '';
    $('share-url').focus();
    $('share-url').select();
    announce(t('shareCreated', { note: link.note }));
    await loadShareLinks(job);
  } catch (problem) {
    showShareProblem(problem);
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
  flashCopied($('share-copy'), 'shareCopy', 'copiedLink');
}

async function revokeShareLink(job, link, button) {
  button.disabled = true;
  try {
    await api.links.revoke(job.id, link.id);
    // An earlier refusal (say, the live-link limit) no longer holds.
    $('share-error').hidden = true;
    announce(t('shareRevoked', { note: link.note }));
  } catch (problem) {
    showShareError({ words: problemWords(problem, problem.detail || problem.title) });
  }
  await loadShareLinks(job);
  $('share-links-h').setAttribute('tabindex', '-1');
  $('share-links-h').focus();
}

/** The dialog's own controls. */
export function initShare() {
  $('share-form').addEventListener('submit', createShareLink);
  $('share-copy').addEventListener('click', copyShareUrl);
  $('share-close').addEventListener('click', () => $('share').close());
  // Closed by its button or Escape: back to the job's Share button, found
  // again (a refresh while the dialog was open drew a new one).
  $('share').addEventListener('close', () => {
    if (shareJob) focusJob(shareJob.id, 'share');
    shareJob = null;
  });
}
