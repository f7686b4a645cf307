// The export-jobs API from the page: same origin, bearer token, problem+json.
const TOKEN_KEY = 'kt-exports.token';

/** An error the API answered (problem+json) or a network failure (status 0). */
export class ApiProblem extends Error {
  constructor(status, body, retryAfter = null) {
    super(body?.detail || body?.title || `HTTP ${status}`);
    this.status = status;
    // Seconds the API asked to wait (Retry-After, given in seconds), or null.
    this.retryAfter = Number.isInteger(retryAfter) && retryAfter >= 0 ? retryAfter : null;
    this.title = body?.title ?? '';
    // The problem's `type` (urn:kt-exports:problem:...): what the page translates by.
    this.type = typeof body?.type === 'string' ? body.type : '';
    // Not every error is problem+json: API Gateway answers {"message": "..."}
    // (docs/openapi.yaml), a proxy may answer HTML. Never leave it empty.
    this.detail = body?.detail || body?.title
      || (typeof body?.message === 'string' && body.message) || (status ? `HTTP ${status}` : '');
    this.errors = Array.isArray(body?.errors) ? body.errors : [];
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** The tenant a token names (read, not verified: the API verifies it). */
export function tokenTenant(value) {
  try {
    const payload = value.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload)).tenant_id ?? null;
  } catch {
    return null;
  }
}

/**
 * `handler({ background })` on a 401 to a request sent with a token;
 * `background`: the request was the page's own (a timer's refresh), not
 * something the user did.
 */
let onUnauthorized = () => {};
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/**
 * One API request; resolves to the answer's text, rejects with ApiProblem
 * (its body read as problem+json when it is JSON).
 */
async function send(method, path, {
  body, headers = {}, accept = 'application/json', background = false,
} = {}) {
  const init = { method, headers: { Accept: accept, ...headers }, cache: 'no-store' };
  const bearer = token();
  if (bearer) init.headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiProblem(0, null);
  }
  const text = await response.text();
  if (!response.ok) {
    if (response.status === 401 && bearer) onUnauthorized({ background });
    const wait = response.headers.get('Retry-After');
    throw new ApiProblem(response.status, parseJson(text), wait && /^\d+$/.test(wait.trim()) ? Number(wait) : null);
  }
  return text;
}

function parseJson(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** One API call; resolves to the parsed JSON body, rejects with ApiProblem. */
export async function call(method, path, options) {
  return parseJson(await send(method, path, options));
}

export const jobs = {
  /** `background`: a refresh the page made on its own (api.whenUnauthorized). */
  list: ({ status, cursor, limit, background = false }) => {
    const q = new URLSearchParams();
    if (status) q.set('status', status);
    if (cursor) q.set('cursor', cursor);
    if (limit) q.set('limit', String(limit));
    const qs = q.toString();
    return call('GET', `/v1/export-jobs${qs ? `?${qs}` : ''}`, { background });
  },
  get: (id) => call('GET', `/v1/export-jobs/${encodeURIComponent(id)}`),
  create: (request, idempotencyKey) =>
    call('POST', '/v1/export-jobs', { body: request, headers: { 'Idempotency-Key': idempotencyKey } }),
  cancel: (id) => call('POST', `/v1/export-jobs/${encodeURIComponent(id)}/cancel`),
  /** A fresh presigned link, asked for at click time. */
  link: (id) => call('GET', `/v1/export-jobs/${encodeURIComponent(id)}/download?redirect=false`),
  /** A compliance job's printable report (HTML) in `lang` (es or en). */
  reportHtml: (id, lang) => send('GET', `/v1/export-jobs/${encodeURIComponent(id)}/report.html?lang=${encodeURIComponent(lang)}`, { accept: 'text/html' }),
};

/** Share links for people without an account (docs/custody.md). */
export const links = {
  create: (jobId, body) => call('POST', `/v1/export-jobs/${encodeURIComponent(jobId)}/links`, { body }),
  list: (jobId) => call('GET', `/v1/export-jobs/${encodeURIComponent(jobId)}/links`),
  revoke: (jobId, linkId) =>
    call('DELETE', `/v1/export-jobs/${encodeURIComponent(jobId)}/links/${encodeURIComponent(linkId)}`),
};

/** Whether this server offers the local "Sign in as tenant" box. */
export async function devSignInAvailable() {
  try {
    const r = await fetch('/dev/sign-in', { cache: 'no-store' });
    return r.ok && (await r.json()).available === true;
  } catch {
    return false;
  }
}

export function devSignIn(tenant) {
  return call('POST', '/dev/sign-in', { body: { tenant } });
}
