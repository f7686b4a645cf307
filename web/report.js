// "View report" on a completed single-framework compliance job: its printable
// HTML (GET /v1/export-jobs/{id}/report.html). That route needs the bearer
// token, so a plain link cannot open it: the page fetches it in the page's
// language and opens it from a blob URL.
import * as api from './api.js';
import { language, t } from './i18n.js';
import { announce, errorText } from './ui.js';

/** The formats the API renders as one report (a compliance-all bundle carries its own). */
export const REPORT_FORMATS = new Set(['compliance-aesia', 'compliance-aepd', 'compliance-ens']);

export async function viewReport(job, button) {
  // aria-disabled, not disabled: a disabled button would drop the keyboard focus.
  if (button.getAttribute('aria-disabled') === 'true') return;
  button.setAttribute('aria-disabled', 'true');
  // The tab is opened now, during the click, where a popup blocker allows
  // it, and given the report when it arrives.
  const tab = window.open('', '_blank');
  announce(t('openingReport'));
  try {
    const html = await api.jobs.reportHtml(job.id, language());
    const url = URL.createObjectURL(new Blob([html], { type: 'text/html;charset=utf-8' }));
    // Not revoked: the tab may be reloaded while this page is open.
    if (tab) tab.location.replace(url);
    else window.location.assign(url); // blocked: in this tab instead
  } catch (problem) {
    tab?.close();
    announce(errorText(problem));
  } finally {
    button.removeAttribute('aria-disabled');
  }
}
