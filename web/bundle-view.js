// The bundle panel: a compliance-all job's archive read in the browser
// (bundle.js), its inventory checked against the manifest and each report's
// sections with their status.
import * as api from './api.js';
import { FAILED_CHECKS, readBundle } from './bundle.js';
import { formatBytes, formatNumber, language, t } from './i18n.js';
import { SECTION_TITLES } from './section-titles.js';
import { focusJob } from './job-row.js';
import { $, el, zonedEndText, zonedText } from './ui.js';

/** The job whose bundle the panel shows. */
let bundleJob = null;

/** A report section's status in the page's language (the HTML renderings' words); an unknown one as sent. */
function sectionStatus(status) {
  const key = `sec_${status}`;
  const word = t(key);
  return word === key ? String(status) : word;
}

export async function showBundle(job, { focus = true } = {}) {
  bundleJob = job;
  const panel = $('bundle');
  panel.hidden = false;
  $('bundle-h').textContent = t('bundleTitle', { name: job.file_name });
  const out = $('bundle-body');
  out.replaceChildren();
  // A status region, so that "Reading…" and then what was read are heard.
  const status = $('bundle-status');
  status.hidden = false;
  status.textContent = t('loadingBundle');
  if (focus) panel.focus();
  let bundle;
  try {
    const link = await api.jobs.link(job.id);
    bundle = await readBundle(link.url);
  } catch (e) {
    if (bundleJob !== job) return;
    status.hidden = true;
    status.textContent = '';
    out.replaceChildren(el('p', { class: 'notice error', role: 'alert', text: t('bundleBlocked', { reason: e.message }) }));
    return;
  }
  if (bundleJob !== job) return;
  const failed = bundle.inventory.filter((f) => FAILED_CHECKS.has(f.check)).length;
  status.textContent = t(failed ? 'bundleReadFailed' : 'bundleRead', {
    files: formatNumber(bundle.inventory.length), failed: formatNumber(failed),
  });
  out.replaceChildren(...bundleParts(job, bundle));
}

/** The panel's contents: whether the archive is the job's, its inventory, its reports. */
function bundleParts(job, bundle) {
  const same = bundle.archiveSha === job.sha256;
  const m = bundle.manifest?.job;
  const parts = [el('p', { class: `notice ${same ? 'ok' : 'error'}` },
    t(same ? 'archiveMatches' : 'archiveDiffers', { sha: bundle.archiveSha }))];
  if (m) {
    parts.push(el('p', { class: 'muted', text: t('manifestJob', { events: formatNumber(m.event_count ?? 0), start: zonedText(m.window_start, m.timezone || 'UTC'), end: zonedEndText(m.window_end, m.timezone || 'UTC') }) }));
  }
  // At a phone's width each file is a card of labelled lines, its check first (inventory: app.css).
  parts.push(el('h3', { text: t('inventory') }), el('div', { class: 'table-wrap' }, el('table', { class: 'compact inventory' },
    el('thead', {}, el('tr', {}, ...['path', 'fileRole', 'size', 'sha256', 'check'].map((k) => el('th', { scope: 'col', class: k === 'size' ? 'num' : null, text: t(k) })))),
    el('tbody', {}, bundle.inventory.map((f) => el('tr', { class: FAILED_CHECKS.has(f.check) ? 'failed' : null },
      el('td', { class: 'mono path', text: f.path }),
      el('td', { class: 'role', 'data-label': t('fileRole'), text: f.role ? t(f.role) : t('none') }),
      el('td', { class: 'num size', 'data-label': t('size'), text: formatBytes(f.size) }),
      el('td', { class: 'mono hash', 'data-label': t('sha256'), text: f.sha256 }),
      el('td', { class: `check check-${f.check.startsWith('matches') ? 'matches' : f.check}`, 'data-label': t('check'), text: f.check === 'self' ? t('none') : t(f.check) })))))),
  el('p', { class: 'muted', text: t(bundle.inventory.some((f) => f.path === 'manifest.sig') ? 'signatureNotChecked' : 'bundleUnsigned') }));
  const reports = el('div', { class: 'reports' });
  for (const r of bundle.reports) reports.append(reportSections(r));
  parts.push(el('h3', { text: t('sections') }), reports);
  return parts;
}

/**
 * A section's title in the page's language, as the HTML renderings say it
 * (the report's JSON states one language per framework); the JSON's own
 * title for a section the table does not know.
 */
function sectionTitle(section) {
  const both = SECTION_TITLES.get(section.key);
  return both ? both[language() === 'es' ? 0 : 1] : section.title;
}

/** One report: how many sections of each status, then each section's. */
function reportSections(r) {
  const counts = new Map();
  for (const s of r.sections) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  return el('div', { class: 'report' },
    el('h4', { class: 'mono', text: r.format ?? r.path }),
    el('p', { class: 'summary' }, [...counts].map(([s, n]) => el('span', { class: `sec sec-${s}`, 'data-status': s }, `${sectionStatus(s)} ${formatNumber(n)}`))),
    el('table', { class: 'compact' },
      el('caption', { class: 'sr-only', text: `${t('sections')}: ${r.format}` }),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('section') }), el('th', { scope: 'col', text: t('sectionStatus') }))),
      el('tbody', {}, r.sections.map((s) => el('tr', {},
        el('th', { scope: 'row' }, el('span', { class: 'mono', text: s.key }), ' ', el('span', { class: 'muted', text: sectionTitle(s) })),
        el('td', {}, el('span', { class: `sec sec-${s.status}`, 'data-status': s.status, text: sectionStatus(s.status) })))))));
}

/** Shows the open bundle again (in a new language), without moving the focus. */
export function redrawBundle() {
  if (bundleJob && !$('bundle').hidden) showBundle(bundleJob, { focus: false });
}

export function initBundleView() {
  $('bundle-close').addEventListener('click', () => {
    $('bundle').hidden = true;
    // Back to the job's Contents button, not to the page's start.
    if (bundleJob) focusJob(bundleJob.id, 'bundle');
    bundleJob = null;
  });
}
