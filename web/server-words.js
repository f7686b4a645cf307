// What the API says in English (the contract's language: a failed job's
// `error.message`, problem+json `detail` and `errors[].message`), said in the
// page's language where the page knows what it means: a failure reason by
// its `error.code` (and, where one code has several sentences, by the
// sentence), a problem by its `type`, a field's message by its words. The
// values a sentence carries (attempts, an object key, a line, a date) are
// taken from the server's words; what the page does not know (another code,
// another type, free text) is shown as the server sent it. The English page
// has its own sentences for a few (a link's longest life, the active-job
// limit) and says the rest of a field's or problem's words as a sentence:
// a capital, a full stop, instants in the page's date format (failure
// reasons are sentences already and are shown unchanged). Messages: crates/domain/src/sweep.rs,
// crates/service/src/worker/, crates/service/src/http/ (problem.rs,
// create/, share.rs), crates/domain/src/window.rs and share.rs.
import { formatDateTime, hasWord, language, t } from './i18n.js';

/**
 * Failure reasons whose code has more than one sentence, or a sentence with
 * values: [code, the English sentence, key, names of its captured values].
 * The first that matches wins; a known code whose sentence matches none is
 * said with its code's general sentence (`reason_<code>`).
 */
const REASON_SENTENCES = [
  ['worker_lost', /^The export stopped without finishing and was not picked up again after (\d+) attempts\./, 'reason_worker_lost_n', ['attempts']],
  ['timed_out', /^A part of the export did not finish within the worker's time limit in (\d+) attempts\./, 'reason_timed_out_part', ['attempts']],
  ['timed_out', /^The export did not finish within the worker's time limit in (\d+) attempts\./, 'reason_timed_out_n', ['attempts']],
  ['result_not_recorded', /^A part of the export was written but could not be recorded\./, 'reason_result_not_recorded_part', []],
  ['source_unreadable', /^The tenant's compliance profile could not be read/, 'reason_source_profile', []],
  ['source_unreadable', /^Reading the event lake kept failing after (\d+) attempts\./, 'reason_source_retried', ['attempts']],
  ['source_unreadable', /^Part of the event log for this window is damaged: the object (.+?) is not valid gzip or is truncated,/, 'reason_source_corrupt', ['object']],
  ['source_unreadable', /^The service could not read the event log for this window/, 'reason_source_lake', []],
  ['malformed_line_strict', /^Strict mode: line (\d+) of (.+?) is malformed \((.*)\); the export stopped there\.$/s, 'reason_strict', ['line', 'object', 'reason']],
];

/**
 * Why a line was rejected, as the engine words it (crates/engine/src/validate.rs,
 * reader/accept.rs): [pattern, key, names of its captured values]. Carried
 * inside a strict-mode failure; what serde itself said ("expected value at
 * line 1 column 1") stays in English.
 */
const LINE_REASONS = [
  [/^required field `([^`]+)` is empty$/, 'line_field_empty', ['field']],
  [/^required field `([^`]+)` is missing/, 'line_field_missing', ['field']],
  [/^`ts` (".*") is not an RFC 3339 UTC timestamp like (\S+)$/, 'line_ts_format', ['value', 'example']],
  [/^`tenant_id` is not the partition's tenant (".*")$/, 'line_tenant', ['tenant']],
  [/^`ts` (\S+) is outside its partition's hour \(starting (\S+)\)$/, 'line_ts_hour', ['value', 'hour']],
  [/^not valid UTF-8 \(at byte (\d+)\)$/, 'line_utf8', ['byte']],
  [/^not valid JSON: (.*)$/s, 'line_json', ['detail']],
  [/^not a JSON object: (.*)$/s, 'line_not_object', ['detail']],
  [/^a field has the wrong type or value: (.*)$/s, 'line_wrong_type', ['detail']],
  [/^line longer than (\d+) MiB$/, 'line_too_long', ['mib']],
];

/**
 * A rejected line's reason (a job's `stats.rejected_samples[].reason`) as
 * the page says it: `{text, english}`, `english` when it is the engine's
 * own words (the English page, or a reason the page does not know).
 */
export function rejectedLineReason(reason) {
  const text = typeof reason === 'string' ? (translating() ? lineReason(reason) : reason) : '';
  return { text, english: !translating() || text === reason };
}

/** A rejected line's reason in the page's language, or as the engine wrote it. */
function lineReason(reason) {
  for (const [pattern, key, names] of LINE_REASONS) {
    const m = reason.match(pattern);
    if (m) return say(key, captured(names, m)) ?? reason;
  }
  return reason;
}

/** Codes the service fails a job with (each has `reason_<code>` in i18n.js). */
export const REASON_CODES = [
  'worker_lost', 'not_started', 'delivery_failed', 'enqueue_failed', 'timed_out', 'source_unreadable',
  'artifact_write_failed', 'result_not_recorded', 'manifest_not_signed', 'retention_not_applied',
  'malformed_line_strict', 'canceled', 'internal',
];

function translating() {
  return language() !== 'en';
}

/** The page's sentence `key` with `values`, or null when this language has none of its own. */
function say(key, values = {}) {
  return hasWord(key) ? t(key, values) : null;
}

function captured(names, match) {
  const values = {};
  names.forEach((name, i) => { values[name] = match[i + 1]; });
  return values;
}

/**
 * A failed job's reason: `{text, original}`. `text` is what the page says;
 * `original` the server's exact words when `text` is a translation of them
 * (null when `text` is the server's message itself).
 */
export function failureReason(error) {
  const message = error?.message ?? '';
  if (!translating() || !REASON_CODES.includes(error?.code)) return { text: message, original: null };
  let text = null;
  for (const [code, pattern, key, names] of REASON_SENTENCES) {
    if (code !== error.code) continue;
    const m = message.match(pattern);
    if (m) {
      const values = captured(names, m);
      if (values.reason !== undefined) values.reason = lineReason(values.reason);
      text = say(key, values);
      break;
    }
  }
  text ??= say(`reason_${error.code}`);
  return text === null ? { text: message, original: null } : { text, original: message };
}

/** A field's message ("is required") in the page's language, or null when the page does not know it. */
const FIELD_SENTENCES = [
  [/^is required$/, 'field_required', []],
  [/^must be a string$/, 'field_string', []],
  [/^given more than once$/, 'field_repeated', []],
  [/^unknown field$/, 'field_unknown', []],
  [/^must be a date \(YYYY-MM-DD\) or an RFC 3339 instant$/, 'field_date', []],
  [/^is not a day of the calendar \(YYYY-MM-DD\)$/, 'field_no_such_day', []],
  [/^a leap second \(:60\) is not accepted/, 'field_leap_second', []],
  [/^unknown IANA time zone/, 'field_zone', []],
  [/^the start is after the end$/, 'field_start_after_end', []],
  [/^the window is empty$/, 'field_window_empty', []],
  [/^the window is longer than (\d+) days$/, 'field_window_too_long', ['days']],
  [/^the window ends more than a minute in the future$/, 'field_window_future', []],
  [/^the window starts before (\S+), the earliest supported instant$/, 'field_window_too_early', ['instant']],
  [/^must be one of (.+)$/, 'field_one_of', ['values']],
  [/^must be at most (\d+) characters$/, 'field_max_chars', ['max']],
  [/^must not contain control characters$/, 'field_control_chars', []],
  [/^must not contain bidirectional embedding, override or isolate characters/, 'field_bidi_chars', []],
  [/^must name the recipient$/, 'field_note_empty', []],
  [/^is required: say who the link is for$/, 'field_note_required', []],
  [/^must be a whole number of days from 1$/, 'field_days', []],
  [/^must be 2 to 63 lower-case letters, digits or dashes$/, 'field_tenant', []],
];

/** What a date the server wrote (RFC 3339) reads as here; as written when it does not parse. */
function when(iso) {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : formatDateTime(ms);
}

/** A share link too long for the file: its own sentence, with the date in the page's words. */
const TOO_LONG = /^the export's file is kept until (\S+), so a link can last at most (\d+) days?$/;

/** An RFC 3339 instant inside the server's words. */
const INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g;

/**
 * The server's English words as a sentence on the English page: a capital,
 * a full stop, each instant in the page's date format.
 */
export function sentence(text) {
  if (typeof text !== 'string' || !text) return text;
  const s = text.replace(INSTANT, (iso) => when(iso));
  const capital = s[0].toUpperCase() + s.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/**
 * A field's message in the page's words: the page's sentence when it has
 * one; else, on the English page, the server's words as a sentence, and on
 * another page null (the caller shows the server's words, marked English).
 */
export function fieldMessage(message) {
  if (typeof message !== 'string') return null;
  const long = message.match(TOO_LONG);
  if (long) {
    const said = say(long[2] === '1' ? 'field_link_too_long_one' : 'field_link_too_long', { until: when(long[1]), max: long[2] });
    if (said !== null) return said;
  }
  for (const [pattern, key, names] of FIELD_SENTENCES) {
    const m = message.match(pattern);
    if (!m) continue;
    const said = say(key, captured(names, m));
    if (said !== null) return said;
    break;
  }
  return translating() ? null : sentence(message);
}

/** A form field's name on the page, for a message not shown beside its field. */
const FIELD_LABELS = {
  date_from: 'startDate', date_to: 'endDate', timezone: 'timezone', label: 'label', format: 'format',
  note: 'shareNote', expires_in_days: 'shareDays', tenant: 'tenant',
};

export function fieldLabel(field) {
  return FIELD_LABELS[field] && hasWord(FIELD_LABELS[field]) ? t(FIELD_LABELS[field]) : field;
}

/**
 * Problem details whose sentence the page knows (by the problem's type):
 * [type slug, the English detail, key, names of its captured values].
 */
const DETAIL_SENTENCES = [
  ['too-many-active-jobs', /^the tenant already has (\d+) export jobs queued or processing$/, 'problem_too_many', ['limit']],
  ['payload-too-large', /^the body is larger than (\d+) bytes$/, 'problem_too_large', ['bytes']],
  ['forbidden', /^the token lacks the (\S+) scope$/, 'problem_forbidden_scope', ['scope']],
  ['job-state-conflict', /^the job is (\w+); only completed jobs can be shared$/, 'problem_share_not_completed', ['status']],
  ['job-state-conflict', /^the job is (\w+); only completed jobs can be downloaded$/, 'problem_download_not_completed', ['status']],
  ['job-state-conflict', /^the job is (\w+); only queued or processing jobs can be canceled$/, 'problem_cancel_final', ['status']],
  // A link on an expired export: 410 export-expired (crates/domain/src/share.rs; before, a 409).
  ['export-expired', /^the export expired at (\S+); create a new export job to share the data$/, 'problem_share_expired', ['at']],
  ['export-expired', /^the export expired at (\S+); create a new export job to get the data again$/, 'problem_expired_at', ['at']],
  ['export-expired', /^the export expired; create a new export job to get the data again$/, 'problem_expired', []],
  ['unprocessable-request', /^the job already has (\d+) live share links \(at most (\d+)\); revoke one first$/, 'problem_too_many_links', ['live', 'max']],
];

/** The API's problem types (crates/service/src/http/problem.rs); each has `problem_<slug>`. */
const PROBLEM_TYPES = [
  'unauthorized', 'forbidden', 'invalid-request', 'unprocessable-request', 'job-not-found', 'link-not-found',
  'share-link-gone', 'timestamp-not-found', 'not-found', 'method-not-allowed', 'job-state-conflict',
  'export-expired', 'payload-too-large', 'unsupported-media-type', 'too-many-active-jobs',
  'temporarily-unavailable', 'internal-error',
];
/**
 * The types whose detail is one fixed sentence, and that sentence: said
 * whole by `problem_<slug>`. Another detail under the type gets the same
 * words with the server's beside them.
 */
const FIXED_DETAIL = new Map([
  ['job-not-found', 'no such export job'],
  ['link-not-found', 'no such share link'],
  ['not-found', 'no such route'],
  ['method-not-allowed', 'method not allowed on this route'],
  ['unsupported-media-type', 'Content-Type must be application/json'],
  ['temporarily-unavailable', 'The service is temporarily unavailable; try again shortly.'],
  ['internal-error', 'An internal error occurred; it has been logged.'],
]);

const TYPE_PREFIX = 'urn:kt-exports:problem:';

/**
 * A problem's words for the page: `{text, original}`. `serverText` is what
 * the page shows of it untranslated (the caller's choice of detail or
 * title); `original` is the server's words when `text` translates them only
 * in general (they carry what the sentence does not: a name, a field).
 */
export function problemWords(problem, serverText) {
  const type = typeof problem?.type === 'string' && problem.type.startsWith(TYPE_PREFIX)
    ? problem.type.slice(TYPE_PREFIX.length) : null;
  const asSent = translating() ? serverText : sentence(serverText);
  if (!type || !PROBLEM_TYPES.includes(type)) return { text: asSent, original: null };
  const detail = problem.detail ?? '';
  for (const [slug, pattern, key, names] of DETAIL_SENTENCES) {
    if (slug !== type) continue;
    const m = detail.match(pattern);
    if (!m) continue;
    const values = captured(names, m);
    if (values.status && hasWord(`st_${values.status}`)) values.status = t(`st_${values.status}`).toLowerCase();
    if (values.at) values.at = when(values.at);
    const text = say(key, values);
    if (text !== null) return { text, original: null };
  }
  const errors = problem.errors ?? [];
  if (errors.length) {
    const said = errors.map((e) => fieldMessage(e.message));
    if (said.every((s) => s !== null)) {
      const text = errors.length === 1 ? said[0]
        : errors.map((e, i) => `${fieldLabel(e.field)}: ${said[i]}`).join(' ');
      return { text, original: null };
    }
  }
  const general = say(`problem_${type}`);
  if (general === null) return { text: asSent, original: null };
  if (FIXED_DETAIL.get(type) === detail) return { text: general, original: null };
  // Known in general only: the page's sentence for the type, the server's words beside it.
  return { text: general, original: serverText };
}

/** `{text, original}` as one line of plain text (an announcement, a notice). */
export function plain(words) {
  return words.original ? `${words.text} (${words.original})` : words.text;
}
