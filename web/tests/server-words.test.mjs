// Unit tests of how the page says the API's English words (server-words.js:
// failureReason, fieldMessage, problemWords), run in node. The English
// sentences are the service's own (crates/domain/src/sweep.rs,
// crates/service/src/worker/, crates/service/src/http/); the English page
// shows them unchanged, the Spanish one says what the page knows.
import assert from 'node:assert/strict';
import { test } from 'node:test';

// What i18n.js and server-words.js touch of a browser.
globalThis.document ??= { documentElement: {} };
if (typeof navigator === 'undefined') globalThis.navigator = { language: 'es-ES' };

const { hasWord, setLanguage } = await import('../i18n.js');
const {
  REASON_CODES, failureReason, fieldMessage, problemWords, sentence,
} = await import('../server-words.js');

/** Every failure the service records: its code and message, as the Rust code writes them. */
const FAILURES = [
  ['worker_lost', 'The export stopped without finishing and was not picked up again after 3 attempts. Create the export again; if it keeps happening, export a shorter window or contact support with the job id.', /tras 3 intentos/],
  ['not_started', 'The export could not be started: the export queue did not deliver it. Create the export again later.', /No se pudo iniciar la exportación/],
  ['delivery_failed', 'The export could not be run: its work item was given up after repeated delivery failures. Create the export again.', /fallos de entrega/],
  ['enqueue_failed', 'The export could not be queued. Create it again (with a new Idempotency-Key if you sent one).', /en cola/],
  ['timed_out', "The export did not finish within the worker's time limit in 3 attempts. Export a shorter window, or split it into several jobs.", /^La exportación no terminó .* en 3 intentos/],
  ['timed_out', "A part of the export did not finish within the worker's time limit in 4 attempts. Export a shorter window, or split it into several jobs.", /^Una parte de la exportación .* en 4 intentos/],
  ['source_unreadable', "The tenant's compliance profile could not be read, so the report could not cite it. Create the export again later; if it fails again, contact support with the job id.", /perfil de cumplimiento/],
  ['source_unreadable', 'Reading the event lake kept failing after 5 attempts. The lake may be throttled or unavailable; create the export again later.', /tras 5 intentos/],
  ['source_unreadable', 'Part of the event log for this window is damaged: the object events/2026/05/01/part-7.gz is not valid gzip or is truncated, and the export stopped there rather than leave its events out. Contact support with the job id; the object has to be delivered again or removed before this window can be exported.', /el objeto events\/2026\/05\/01\/part-7\.gz no es un gzip válido/],
  ['source_unreadable', 'The service could not read the event log for this window (the cause is in its logs). Create the export again later; if it fails again, contact support with the job id.', /no pudo leer el registro de eventos/],
  ['artifact_write_failed', "The export's file could not be stored (the cause is in the service's logs). Create the export again later; if it fails again, contact support with the job id.", /No se pudo guardar el archivo/],
  ['result_not_recorded', 'The export was written but its result could not be recorded. Create the export again.', /^La exportación se escribió/],
  ['result_not_recorded', 'A part of the export was written but could not be recorded. Create the export again.', /^Una parte de la exportación se escribió/],
  ['manifest_not_signed', 'The export was written but its manifest could not be signed and recorded. Create the export again.', /manifiesto/],
  ['retention_not_applied', 'The export was written but could not be locked for the requested retention. Create the export again.', /conservación solicitada/],
  ['malformed_line_strict', 'Strict mode: line 12 of events/a.gz is malformed (expected value at line 1 column 1); the export stopped there.', /^Modo estricto: la línea 12 de events\/a\.gz está mal formada \(expected value at line 1 column 1\)/],
  ['canceled', 'The export was canceled.', /se canceló/],
  ['internal', 'The export failed because of an internal error. Create it again; if it fails again, contact support with the job id.', /error interno/],
];

test('on the English page every reason is the server message, unchanged', () => {
  setLanguage('en');
  for (const [code, message] of FAILURES) {
    assert.deepEqual(failureReason({ code, message }), { text: message, original: null });
  }
  assert.deepEqual(failureReason(null), { text: '', original: null });
});

test('on the Spanish page each known code is said in Spanish, the server words kept beside it', () => {
  setLanguage('es');
  for (const [code, message, spanish] of FAILURES) {
    const said = failureReason({ code, message });
    assert.match(said.text, spanish, code);
    assert.equal(said.original, message, code);
  }
  for (const code of REASON_CODES) assert.ok(hasWord(`reason_${code}`), code);
  // A known code whose sentence changed: its code's general sentence, the new words beside it.
  const changed = failureReason({ code: 'worker_lost', message: 'The worker vanished.' });
  assert.match(changed.text, /tras varios intentos/);
  assert.equal(changed.original, 'The worker vanished.');
  // A code the page does not know: the server's message as sent.
  assert.deepEqual(failureReason({ code: 'lake_unreadable', message: 'The lake is gone.' }), { text: 'The lake is gone.', original: null });
});

/**
 * Why a line was rejected, as the engine words it (crates/engine/src/validate.rs:
 * check_required, describe_json_error, text; reader/accept.rs: too_long),
 * inside a strict-mode failure: [the reason, what the Spanish page says].
 */
const LINE_REASONS = [
  ['required field `event_id` is empty', 'el campo obligatorio `event_id` está vacío'],
  ['required field `ts` is missing (at line 1 column 40)', 'falta el campo obligatorio `ts`'],
  ['`ts` "2026-05-01 10:00" is not an RFC 3339 UTC timestamp like 2026-05-01T13:45:12.123Z', '`ts` "2026-05-01 10:00" no es una marca de tiempo UTC RFC 3339 como 2026-05-01T13:45:12.123Z'],
  ['`tenant_id` is not the partition\'s tenant "acme"', '`tenant_id` no es el inquilino de la partición, "acme"'],
  ['`ts` 2026-05-01T11:00:00.000Z is outside its partition\'s hour (starting 2026-05-01T10:00Z)', '`ts` 2026-05-01T11:00:00.000Z queda fuera de la hora de su partición (que empieza a las 2026-05-01T10:00Z)'],
  ['not valid UTF-8 (at byte 17)', 'no es UTF-8 válido (en el byte 17)'],
  ['not valid JSON: expected value at line 1 column 1', 'no es JSON válido: expected value at line 1 column 1'],
  ['not a JSON object: invalid type: map, expected a string', 'no es un objeto JSON: invalid type: map, expected a string'],
  ['a field has the wrong type or value: invalid type: integer `7`, expected a string at line 1 column 20', 'un campo tiene un tipo o valor incorrecto: invalid type: integer `7`, expected a string at line 1 column 20'],
  ['line longer than 1 MiB', 'línea de más de 1 MiB'],
  ['a reason nobody wrote yet', 'a reason nobody wrote yet'],
];

test('a strict-mode failure says in Spanish why its line was rejected; serde\'s own words stay as they are', () => {
  const strict = (reason) => `Strict mode: line 12 of events/a.gz is malformed (${reason}); the export stopped there.`;
  setLanguage('en');
  for (const [reason] of LINE_REASONS) {
    assert.equal(failureReason({ code: 'malformed_line_strict', message: strict(reason) }).text, strict(reason));
  }
  setLanguage('es');
  for (const [reason, spanish] of LINE_REASONS) {
    const message = strict(reason);
    const said = failureReason({ code: 'malformed_line_strict', message });
    assert.equal(said.text, `Modo estricto: la línea 12 de events/a.gz está mal formada (${spanish}); la exportación se detuvo ahí.`, reason);
    assert.equal(said.original, message);
  }
});

const urn = (slug) => `urn:kt-exports:problem:${slug}`;

test('problems: the English page says them as sentences of its own; the Spanish one says the type and the fields it knows', () => {
  const tooMany = { type: urn('too-many-active-jobs'), title: 'Too many active export jobs', status: 429, detail: 'the tenant already has 10 export jobs queued or processing', errors: [] };
  const conflict = { type: urn('job-state-conflict'), title: 'Job state does not allow this', status: 409, detail: 'the job has a new state nobody knew', errors: [] };
  const fields = {
    type: urn('unprocessable-request'), title: 'Request cannot be processed', status: 422,
    detail: 'expires_in_days: the export\'s file is kept until 2026-12-12T10:00:00Z, so a link can last at most 7 days',
    errors: [{ field: 'expires_in_days', message: 'the export\'s file is kept until 2026-12-12T10:00:00Z, so a link can last at most 7 days' }],
  };
  const gateway = { type: '', title: '', status: 502, detail: 'Internal Server Error', errors: [] };

  // The English page: its own sentences where the server's read badly, the rest as sentences,
  // never a raw field name nor an ISO instant.
  setLanguage('en');
  assert.deepEqual(problemWords(tooMany, tooMany.detail), { text: 'This tenant already has 10 exports queued or processing; wait for one to finish or cancel one.', original: null });
  assert.deepEqual(problemWords(conflict, conflict.detail), { text: 'The job has a new state nobody knew.', original: null });
  const long = problemWords(fields, fields.detail).text;
  assert.match(long, /^The file is kept until .+, so a link can last at most 7 days\.$/);
  assert.doesNotMatch(long, /expires_in_days|2026-12-12T/);
  assert.deepEqual(problemWords(gateway, gateway.detail), { text: 'Internal Server Error.', original: null });
  assert.equal(fieldMessage('is required'), 'Required.');
  assert.equal(fieldMessage('must be a whole number of days from 1'), 'Enter a whole number of days, 1 or more.');
  assert.equal(fieldMessage('the window ends more than a minute in the future'), 'The window ends more than a minute in the future.');
  assert.equal(fieldMessage('must be at most 200 characters'), 'Must be at most 200 characters.');
  // Several fields: each named by its label on the page, not by the API's name.
  const two = { type: urn('invalid-request'), detail: 'x', errors: [{ field: 'date_from', message: 'is required' }, { field: 'expires_in_days', message: 'must be a whole number of days from 1' }] };
  assert.equal(problemWords(two, 'x').text, 'Start date: Required. Valid for (days): Enter a whole number of days, 1 or more.');
  // A failure reason is a sentence already: unchanged.
  assert.equal(sentence('The export was canceled.'), 'The export was canceled.');

  setLanguage('es');
  assert.deepEqual(problemWords(tooMany, tooMany.detail), { text: 'El inquilino ya tiene 10 exportaciones en cola o en proceso.', original: null });
  assert.deepEqual(problemWords(conflict, conflict.detail), { text: 'El estado de la exportación no lo permite.', original: conflict.detail });
  assert.match(problemWords(fields, fields.detail).text, /^El archivo de la exportación se conserva hasta el .*como máximo 7 días\.$/);
  assert.deepEqual(problemWords(gateway, gateway.detail), { text: 'Internal Server Error', original: null });
  assert.match(problemWords({ type: urn('job-state-conflict'), detail: 'the job is processing; only completed jobs can be shared', errors: [] }, '').text, /«procesando»/);
  assert.equal(fieldMessage('the window ends more than a minute in the future'), 'El intervalo termina más de un minuto en el futuro.');
  assert.equal(fieldMessage('must be at most 200 characters'), 'Debe tener como máximo 200 caracteres.');
  // crates/domain/src/window.rs: WindowError::NoSuchDay (2026-02-30).
  assert.equal(fieldMessage('is not a day of the calendar (YYYY-MM-DD)'), 'No es un día del calendario (AAAA-MM-DD).');
  // Free text the page does not know stays as the server wrote it (null: the caller shows it).
  assert.equal(fieldMessage('must rhyme'), null);
});

test('a share link on an expired export: the API\'s 410 export-expired said whole in both languages', () => {
  // crates/domain/src/share.rs ShareRefusal::ArtifactGone, answered 410 (it was a 409 job-state-conflict).
  const gone = {
    type: urn('export-expired'), title: 'Export expired', status: 410,
    detail: 'the export expired at 2026-06-16T12:00:00Z; create a new export job to share the data', errors: [],
  };
  setLanguage('es');
  const es = problemWords(gone, gone.detail);
  assert.equal(es.original, null, 'the whole sentence is known, no English beside it');
  assert.match(es.text, /^La exportación caducó el .+; cree una nueva exportación para compartir los datos\.$/);
  assert.doesNotMatch(es.text, /2026-06-16T/);
  setLanguage('en');
  const en = problemWords(gone, gone.detail);
  assert.equal(en.original, null);
  assert.match(en.text, /^The export expired at .+; create a new export job to share the data\.$/);
  assert.doesNotMatch(en.text, /2026-06-16T/);
});
