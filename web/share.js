// The Share dialog: links an auditor can open without an account, each with
// a note and a lifetime no longer than the file is kept; the job's links
// listed, live ones revocable.
import * as api from './api.js';
import { formatDateTime, t } from './i18n.js';
import { focusJob } from './job-row.js';
import { problemWords } from './server-words.js';
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
  const job = shareJob;
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
    showShareError(problemWords(problem, problem.detail || problem.title));
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
