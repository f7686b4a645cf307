// The Exports page: sign in, request an export (form.js), watch the history
// (history.js, job-row.js), share a file (share.js), look inside an evidence
// bundle (bundle-view.js). This module holds the language and the session.
import * as api from './api.js';
import { initBundleView, redrawBundle } from './bundle-view.js';
import * as dates from './dates.js';
import { initForm, renderFormats, setFieldError } from './form.js';
import {
  addCreatedJob, initHistory, pauseHistory, renderJobs, startHistory, stopHistory,
} from './history.js';
import { language, setLanguage, t } from './i18n.js';
import { fieldMessage } from './server-words.js';
import { initShare } from './share.js';
import { $, announce } from './ui.js';

const LANG_KEY = 'kt-exports.lang';

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
    redrawBundle();
  }
}

// ---------------------------------------------------------------- sign in

/**
 * The sign-in box. `focus`: after Sign out or a refused token, whose
 * button or row has just been hidden, the focus goes to the box's field.
 */
async function showSignIn(message, { focus = false } = {}) {
  stopHistory();
  $('workspace').hidden = true;
  $('session').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-message').hidden = !message;
  $('sign-in-message').textContent = message ?? '';
  $('dev-sign-in').hidden = !(await api.devSignInAvailable());
  if (focus) $($('dev-sign-in').hidden ? 'token' : 'tenant').focus();
}

/**
 * The workspace. `focus`: after signing in, whose form has just been
 * hidden, the focus goes to the workspace's first heading.
 */
function showWorkspace({ focus = false } = {}) {
  const tenant = api.tokenTenant(api.token());
  $('session-tenant').textContent = tenant ?? '?';
  $('session').hidden = false;
  $('sign-in').hidden = true;
  $('workspace').hidden = false;
  $('session-lost').hidden = true;
  if (focus) $('new-h').focus();
  startHistory();
}

/**
 * A 401 to the page's own background refresh (the token expired while the
 * user typed, or with a dialog open): not the sign-in screen, which would
 * hide the workspace and take the focus, but a notice that stays in view and
 * is announced. The user's next request (its 401) or the notice's button
 * signs in; the workspace, and what was typed in it, is kept for after.
 */
function sessionLost() {
  pauseHistory();
  if (!$('session-lost').hidden) return;
  $('session-lost').hidden = false;
  announce(t('sessionLost'));
}

function signInAgain() {
  api.setToken(null);
  showSignIn(t('sessionEnded'), { focus: true });
}

async function devSignIn(event) {
  event.preventDefault();
  const tenant = $('tenant').value.trim();
  setFieldError('tenant', null);
  try {
    const answer = await api.devSignIn(tenant);
    api.setToken(answer.token);
    showWorkspace({ focus: true });
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
  showWorkspace({ focus: true });
}

// ---------------------------------------------------------------- start

function init() {
  const saved = localStorage.getItem(LANG_KEY);
  const preferred = saved ?? (navigator.language?.toLowerCase().startsWith('es') ? 'es' : 'en');
  initForm(addCreatedJob);
  initHistory();
  initShare();
  initBundleView();
  applyLanguage(preferred);

  for (const b of document.querySelectorAll('[data-lang]')) b.addEventListener('click', () => applyLanguage(b.dataset.lang));
  $('dev-sign-in').addEventListener('submit', devSignIn);
  $('token-sign-in').addEventListener('submit', tokenSignIn);
  $('sign-out').addEventListener('click', () => { api.setToken(null); showSignIn(null, { focus: true }); });
  $('session-lost-sign-in').addEventListener('click', signInAgain);
  api.whenUnauthorized(({ background = false } = {}) => {
    if (background && !$('workspace').hidden) sessionLost();
    else signInAgain();
  });

  if (api.token()) showWorkspace();
  else showSignIn();
}

init();
