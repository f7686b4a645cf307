// The page's words in English and Spanish; dates and numbers go through Intl.
const en = {
  title: 'Exports',
  lede: 'Pick a date window and a format; the export runs in the background and the file stays downloadable until it expires.',
  skip: 'Skip to content',
  language: 'Language',
  signInHeading: 'Sign in',
  devSignInHint: 'Local stack only: signs you in with a development token for this tenant.',
  tenant: 'Tenant',
  signIn: 'Sign in',
  tokenLabel: 'Bearer token',
  tokenHint: 'Paste the access token your identity provider issued for the exports API (scopes exports:read and exports:write).',
  useToken: 'Use token',
  signOut: 'Sign out',
  signedInAs: 'Tenant',
  sessionEnded: 'Your session ended or the token was refused. Sign in again.',
  newExport: 'New export',
  window: 'Date window',
  quickRanges: 'Quick ranges',
  last24h: 'Last 24 hours',
  last7d: 'Last 7 days',
  last30d: 'Last 30 days',
  last90d: 'Last 90 days',
  lastMonth: 'Last month',
  lastQuarter: 'Last quarter',
  startDate: 'Start date',
  endDate: 'End date',
  startTime: 'Start time',
  endTime: 'End time',
  timeOptional: 'optional',
  startTimeHint: 'Empty: from the start of the day.',
  endTimeHint: 'Empty: through the end of the day.',
  timezone: 'Timezone',
  timezoneHint: 'Dates are read in this zone. Your browser: {zone}.',
  format: 'Format',
  fmt_csv: 'Spreadsheets and control checks.',
  fmt_json: 'Engineers: raw events, one per line.',
  'fmt_compliance-aesia': 'EU AI Act report (AESIA).',
  'fmt_compliance-aepd': 'GDPR report (AEPD).',
  'fmt_compliance-ens': 'Spanish national security scheme report (ENS).',
  'fmt_compliance-all': 'A reviewable bundle: the three reports, a manifest and hashes.',
  label: 'Label',
  labelHint: 'The review question, e.g. “May control check”.',
  createExport: 'Create export',
  creating: 'Creating…',
  startAfterEnd: 'The start is after the end. Choose a start before the end.',
  required: 'Required.',
  fixErrors: 'The export was not created:',
  created: 'Export {name} requested.',
  history: 'History',
  status: 'Status',
  allStatuses: 'All statuses',
  refresh: 'Refresh',
  updated: 'Updated {time}',
  caption: 'Export jobs, newest first',
  colFile: 'File',
  colWindow: 'Window',
  colFormat: 'Format',
  colStatus: 'Status',
  colEvents: 'Events',
  colRejected: 'Rejected',
  colRejectedLong: 'Rejected lines',
  colCreated: 'Created',
  colExpires: 'Expires',
  keptUntil: 'Kept until',
  colActions: 'Actions',
  st_queued: 'Queued',
  st_processing: 'Processing',
  st_completed: 'Completed',
  st_failed: 'Failed',
  st_expired: 'Expired',
  st_canceled: 'Canceled',
  progress: 'Progress',
  download: 'Download',
  cancel: 'Cancel',
  runAgain: 'Run again',
  share: 'Share',
  shareTitle: 'Share {name}',
  shareLede: 'Anyone with the link can download this file without signing in, until the link expires or you revoke it. Each use is recorded in the job\'s audit trail.',
  shareNote: 'Recipient',
  shareNoteHint: 'Who the link is for, e.g. “Ana Pérez, external auditor”. Shown in the list and the audit trail.',
  shareDays: 'Valid for (days)',
  shareDaysHint: 'At most {max} days: the file is deleted {date}.',
  shareDaysHintOne: 'At most 1 day: the file is deleted {date}.',
  shareCreate: 'Create link',
  shareUrl: 'Link to send',
  shareUrlHint: 'Shown only now: copy it before closing. The service keeps only a fingerprint of it.',
  shareCopy: 'Copy link',
  shareLinks: 'Links',
  shareNone: 'No links yet.',
  shareColNote: 'Recipient',
  shareColStatus: 'Status',
  shareColExpires: 'Expires',
  shareRevoke: 'Revoke',
  shareRevokeLabel: 'Revoke the link for {note}',
  link_active: 'Active',
  link_expired: 'Expired',
  link_revoked: 'Revoked',
  shareCreated: 'Link created for {note}.',
  shareRevoked: 'Link for {note} revoked.',
  shareNoteRequired: 'Say who the link is for.',
  copySha: 'Copy SHA-256',
  copied: 'Copied',
  viewBundle: 'Contents',
  expiredOn: 'Expired {date}',
  expiredNoDownload: 'Expired: run it again to get the data.',
  emptyAll: 'No exports yet. Choose a window and a format above, then select Create export.',
  emptyFiltered: 'No exports with this status.',
  pages: 'Pages',
  newer: 'Newer',
  older: 'Older',
  page: 'Page {n}',
  confirmCancelTitle: 'Cancel this export?',
  confirmCancelBody: '{name} will stop and no file will be produced.',
  confirmCancel: 'Cancel export',
  keepRunning: 'Keep running',
  cancelConflict: 'This export had already finished; its row shows where it is now.',
  announceCompleted: 'Export {name} completed, {count} events.',
  announceCompletedOne: 'Export {name} completed, 1 event.',
  announceFailed: 'Export {name} failed: {reason}',
  announceCanceled: 'Export {name} canceled.',
  announceProcessing: 'Export {name} started.',
  announceExpired: 'Export {name} expired.',
  announceQueued: 'Export {name} queued.',
  downloadGone: 'This export expired; run it again to get the data.',
  prefilled: 'The form holds the same window and format. Select Create export to run it again.',
  bundleTitle: 'Bundle {name}',
  close: 'Close',
  loadingBundle: 'Reading the bundle…',
  bundleBlocked: 'The browser could not read the bundle from storage ({reason}). Download it and run “kt export-jobs verify” on it.',
  archiveMatches: 'Archive SHA-256 matches the job: {sha}',
  archiveDiffers: 'Archive SHA-256 differs from the job: {sha}',
  inventory: 'Inventory',
  path: 'Path',
  size: 'Size',
  sha256: 'SHA-256',
  check: 'Check',
  matches: 'Matches manifest and SHA256SUMS',
  matchesSums: 'Matches SHA256SUMS',
  differs: 'Does not match',
  notListed: 'Not in the manifest',
  fileRole: 'What it is',
  roleManifest: 'Manifest (signed)',
  roleSignature: 'Signature over manifest.json',
  rolePublicKey: 'Public key of the signature',
  roleTimestamp: 'Timestamp token over the signature',
  roleSums: 'Checksums of every file',
  roleReport: 'Report',
  roleRendering: 'Printable report (HTML)',
  signatureNotChecked: 'The page checks every file’s hash against the manifest and SHA256SUMS; it does not check the signature over manifest.json. Run “kt export-jobs verify” on the download for that.',
  bundleUnsigned: 'This bundle carries no signature: its hashes can only show accidental damage, not tampering.',
  sections: 'Sections',
  section: 'Section',
  sectionStatus: 'Status',
  sec_evidenced: 'evidenced',
  sec_partial: 'partial',
  sec_not_evidenced: 'not evidenced',
  sec_out_of_scope_for_log: 'out of scope for the log',
  manifestJob: '{events} events, window {start} – {end}',
  errorGeneric: 'Something went wrong: {detail}',
  network: 'The API could not be reached. Check your connection and try again.',
  scheduled: 'Scheduled',
  scheduledTitle: 'Created by the schedule ({origin}), not by a person',
  none: '—',
};

const es = {
  title: 'Exportaciones',
  lede: 'Elija un intervalo de fechas y un formato; la exportación se ejecuta en segundo plano y el archivo se puede descargar hasta que caduca.',
  skip: 'Saltar al contenido',
  language: 'Idioma',
  signInHeading: 'Iniciar sesión',
  devSignInHint: 'Solo en el entorno local: inicia sesión con un token de desarrollo para este inquilino.',
  tenant: 'Inquilino',
  signIn: 'Iniciar sesión',
  tokenLabel: 'Token de portador',
  tokenHint: 'Pegue el token de acceso que su proveedor de identidad emitió para la API de exportaciones (ámbitos exports:read y exports:write).',
  useToken: 'Usar token',
  signOut: 'Cerrar sesión',
  signedInAs: 'Inquilino',
  sessionEnded: 'La sesión terminó o el token fue rechazado. Inicie sesión de nuevo.',
  newExport: 'Nueva exportación',
  window: 'Intervalo de fechas',
  quickRanges: 'Intervalos rápidos',
  last24h: 'Últimas 24 horas',
  last7d: 'Últimos 7 días',
  last30d: 'Últimos 30 días',
  last90d: 'Últimos 90 días',
  lastMonth: 'Mes pasado',
  lastQuarter: 'Trimestre pasado',
  startDate: 'Fecha de inicio',
  endDate: 'Fecha de fin',
  startTime: 'Hora de inicio',
  endTime: 'Hora de fin',
  timeOptional: 'opcional',
  startTimeHint: 'Vacía: desde el inicio del día.',
  endTimeHint: 'Vacía: hasta el final del día.',
  timezone: 'Zona horaria',
  timezoneHint: 'Las fechas se leen en esta zona. Su navegador: {zone}.',
  format: 'Formato',
  fmt_csv: 'Hojas de cálculo y controles.',
  fmt_json: 'Ingeniería: eventos en bruto, uno por línea.',
  'fmt_compliance-aesia': 'Informe de la Ley de IA de la UE (AESIA).',
  'fmt_compliance-aepd': 'Informe RGPD (AEPD).',
  'fmt_compliance-ens': 'Informe del Esquema Nacional de Seguridad (ENS).',
  'fmt_compliance-all': 'Un paquete revisable: los tres informes, un manifiesto y los hashes.',
  label: 'Etiqueta',
  labelHint: 'La pregunta de la revisión, p. ej. «Control de mayo».',
  createExport: 'Crear exportación',
  creating: 'Creando…',
  startAfterEnd: 'El inicio es posterior al fin. Elija un inicio anterior al fin.',
  required: 'Obligatorio.',
  fixErrors: 'No se creó la exportación:',
  created: 'Exportación {name} solicitada.',
  history: 'Historial',
  status: 'Estado',
  allStatuses: 'Todos los estados',
  refresh: 'Actualizar',
  updated: 'Actualizado {time}',
  caption: 'Exportaciones, de la más reciente a la más antigua',
  colFile: 'Archivo',
  colWindow: 'Intervalo',
  colFormat: 'Formato',
  colStatus: 'Estado',
  colEvents: 'Eventos',
  colRejected: 'Rechazadas',
  colRejectedLong: 'Líneas rechazadas',
  colCreated: 'Creada',
  colExpires: 'Caduca',
  keptUntil: 'Se conserva hasta el',
  colActions: 'Acciones',
  st_queued: 'En cola',
  st_processing: 'Procesando',
  st_completed: 'Completada',
  st_failed: 'Fallida',
  st_expired: 'Caducada',
  st_canceled: 'Cancelada',
  progress: 'Progreso',
  download: 'Descargar',
  cancel: 'Cancelar',
  runAgain: 'Repetir',
  share: 'Compartir',
  shareTitle: 'Compartir {name}',
  shareLede: 'Cualquiera con el enlace puede descargar este archivo sin iniciar sesión, hasta que el enlace caduque o usted lo revoque. Cada uso queda registrado en el historial de auditoría del trabajo.',
  shareNote: 'Destinatario',
  shareNoteHint: 'Para quién es el enlace, p. ej. «Ana Pérez, auditora externa». Aparece en la lista y en el historial de auditoría.',
  shareDays: 'Válido durante (días)',
  shareDaysHint: 'Como máximo {max} días: el archivo se elimina el {date}.',
  shareDaysHintOne: 'Como máximo 1 día: el archivo se elimina el {date}.',
  shareCreate: 'Crear enlace',
  shareUrl: 'Enlace para enviar',
  shareUrlHint: 'Solo se muestra ahora: cópielo antes de cerrar. El servicio guarda solo una huella.',
  shareCopy: 'Copiar enlace',
  shareLinks: 'Enlaces',
  shareNone: 'Aún no hay enlaces.',
  shareColNote: 'Destinatario',
  shareColStatus: 'Estado',
  shareColExpires: 'Caduca',
  shareRevoke: 'Revocar',
  shareRevokeLabel: 'Revocar el enlace de {note}',
  link_active: 'Activo',
  link_expired: 'Caducado',
  link_revoked: 'Revocado',
  shareCreated: 'Enlace creado para {note}.',
  shareRevoked: 'Enlace de {note} revocado.',
  shareNoteRequired: 'Indique para quién es el enlace.',
  copySha: 'Copiar SHA-256',
  copied: 'Copiado',
  viewBundle: 'Contenido',
  expiredOn: 'Caducó {date}',
  expiredNoDownload: 'Caducada: repítala para obtener los datos.',
  emptyAll: 'Aún no hay exportaciones. Elija un intervalo y un formato arriba y pulse Crear exportación.',
  emptyFiltered: 'No hay exportaciones con este estado.',
  pages: 'Páginas',
  newer: 'Más recientes',
  older: 'Más antiguas',
  page: 'Página {n}',
  confirmCancelTitle: '¿Cancelar esta exportación?',
  confirmCancelBody: '{name} se detendrá y no se generará ningún archivo.',
  confirmCancel: 'Cancelar exportación',
  keepRunning: 'Seguir',
  cancelConflict: 'Esta exportación ya había terminado; su fila muestra su estado actual.',
  announceCompleted: 'Exportación {name} completada, {count} eventos.',
  announceCompletedOne: 'Exportación {name} completada, 1 evento.',
  announceFailed: 'La exportación {name} falló: {reason}',
  announceCanceled: 'Exportación {name} cancelada.',
  announceProcessing: 'Exportación {name} iniciada.',
  announceExpired: 'La exportación {name} caducó.',
  announceQueued: 'Exportación {name} en cola.',
  downloadGone: 'Esta exportación caducó; repítala para obtener los datos.',
  prefilled: 'El formulario tiene el mismo intervalo y formato. Pulse Crear exportación para repetirla.',
  bundleTitle: 'Paquete {name}',
  close: 'Cerrar',
  loadingBundle: 'Leyendo el paquete…',
  bundleBlocked: 'El navegador no pudo leer el paquete del almacenamiento ({reason}). Descárguelo y ejecute «kt export-jobs verify».',
  archiveMatches: 'El SHA-256 del archivo coincide con el de la exportación: {sha}',
  archiveDiffers: 'El SHA-256 del archivo no coincide con el de la exportación: {sha}',
  inventory: 'Inventario',
  path: 'Ruta',
  size: 'Tamaño',
  sha256: 'SHA-256',
  check: 'Comprobación',
  matches: 'Coincide con el manifiesto y SHA256SUMS',
  matchesSums: 'Coincide con SHA256SUMS',
  differs: 'No coincide',
  notListed: 'No figura en el manifiesto',
  fileRole: 'Qué es',
  roleManifest: 'Manifiesto (firmado)',
  roleSignature: 'Firma de manifest.json',
  rolePublicKey: 'Clave pública de la firma',
  roleTimestamp: 'Sello de tiempo de la firma',
  roleSums: 'Sumas de comprobación de todos los archivos',
  roleReport: 'Informe',
  roleRendering: 'Informe imprimible (HTML)',
  signatureNotChecked: 'La página comprueba el hash de cada archivo con el manifiesto y SHA256SUMS; no comprueba la firma de manifest.json. Para ello, ejecute «kt export-jobs verify» sobre la descarga.',
  bundleUnsigned: 'Este paquete no lleva firma: sus hashes solo muestran daños accidentales, no una manipulación.',
  sections: 'Secciones',
  section: 'Sección',
  sectionStatus: 'Estado',
  sec_evidenced: 'acreditado',
  sec_partial: 'parcial',
  sec_not_evidenced: 'no acreditado',
  sec_out_of_scope_for_log: 'fuera del alcance del registro',
  manifestJob: '{events} eventos, intervalo {start} – {end}',
  errorGeneric: 'Algo salió mal: {detail}',
  network: 'No se pudo contactar con la API. Compruebe la conexión e inténtelo de nuevo.',
  scheduled: 'Programada',
  scheduledTitle: 'Creada por la programación ({origin}), no por una persona',
  // What the API says in English (failureReason, fieldMessage, problemWords below): failure reasons by error.code ...
  reasonOriginal: 'Mensaje original (en inglés)',
  reason_worker_lost: 'La exportación se detuvo sin terminar y no se retomó tras varios intentos. Vuelva a crear la exportación; si sigue ocurriendo, exporte un intervalo más corto.',
  reason_worker_lost_n: 'La exportación se detuvo sin terminar y no se retomó tras {attempts} intentos. Vuelva a crear la exportación; si sigue ocurriendo, exporte un intervalo más corto.',
  reason_not_started: 'No se pudo iniciar la exportación: la cola de exportaciones no la entregó. Vuelva a crear la exportación más tarde.',
  reason_delivery_failed: 'No se pudo ejecutar la exportación: su tarea se abandonó tras repetidos fallos de entrega. Vuelva a crear la exportación.',
  reason_enqueue_failed: 'No se pudo poner la exportación en cola. Vuelva a crearla (con una Idempotency-Key nueva si envió una).',
  reason_timed_out: 'La exportación no terminó dentro del tiempo máximo de ejecución. Exporte un intervalo más corto o divídalo en varias exportaciones.',
  reason_timed_out_n: 'La exportación no terminó dentro del tiempo máximo de ejecución en {attempts} intentos. Exporte un intervalo más corto o divídalo en varias exportaciones.',
  reason_timed_out_part: 'Una parte de la exportación no terminó dentro del tiempo máximo de ejecución en {attempts} intentos. Exporte un intervalo más corto o divídalo en varias exportaciones.',
  reason_source_unreadable: 'No se pudieron leer los datos que necesita la exportación.',
  reason_source_profile: 'No se pudo leer el perfil de cumplimiento del inquilino, así que el informe no pudo citarlo. Vuelva a crear la exportación más tarde; si falla de nuevo, contacte con soporte indicando el identificador de la exportación.',
  reason_source_retried: 'La lectura del lago de eventos siguió fallando tras {attempts} intentos. Puede que el lago esté limitando las peticiones o no esté disponible; vuelva a crear la exportación más tarde.',
  reason_source_corrupt: 'El objeto {object} del lago de eventos no es un gzip válido o está truncado; la exportación se detuvo ahí. Haga que se vuelva a entregar o que se elimine y después vuelva a crear la exportación.',
  reason_source_lake: 'No se pudo leer el lago de eventos. Compruebe que el bucket de eventos existe y que el servicio de exportación puede leerlo.',
  reason_artifact_write_failed: 'No se pudo escribir el archivo de la exportación. Compruebe el bucket de artefactos e inténtelo de nuevo.',
  reason_result_not_recorded: 'La exportación se escribió, pero no se pudo registrar su resultado. Vuelva a crear la exportación.',
  reason_result_not_recorded_part: 'Una parte de la exportación se escribió, pero no se pudo registrar. Vuelva a crear la exportación.',
  reason_manifest_not_signed: 'La exportación se escribió, pero no se pudo firmar y registrar su manifiesto. Vuelva a crear la exportación.',
  reason_retention_not_applied: 'La exportación se escribió, pero no se pudo bloquear durante la conservación solicitada. Vuelva a crear la exportación.',
  reason_malformed_line_strict: 'Modo estricto: una línea de los eventos está mal formada; la exportación se detuvo ahí.',
  reason_strict: 'Modo estricto: la línea {line} de {object} está mal formada ({reason}); la exportación se detuvo ahí.',
  reason_canceled: 'La exportación se canceló.',
  reason_internal: 'La exportación falló por un error interno. Vuelva a crearla; si falla de nuevo, contacte con soporte indicando el identificador de la exportación.',
  // ... a field's message by its words ...
  field_required: 'Es obligatorio.',
  field_string: 'Debe ser un texto.',
  field_repeated: 'Se indicó más de una vez.',
  field_unknown: 'Campo desconocido.',
  field_date: 'Debe ser una fecha (AAAA-MM-DD) o un instante RFC 3339.',
  field_leap_second: 'No se admite un segundo intercalar (:60); indique el segundo siguiente (:00 del minuto siguiente).',
  field_zone: 'Zona horaria IANA desconocida (p. ej., Europe/Madrid, UTC).',
  field_start_after_end: 'El inicio es posterior al fin.',
  field_window_empty: 'El intervalo está vacío.',
  field_window_too_long: 'El intervalo dura más de {days} días.',
  field_window_future: 'El intervalo termina más de un minuto en el futuro.',
  field_window_too_early: 'El intervalo empieza antes de {instant}, el primer instante admitido.',
  field_one_of: 'Debe ser uno de estos: {values}.',
  field_max_chars: 'Debe tener como máximo {max} caracteres.',
  field_control_chars: 'No debe contener caracteres de control.',
  field_bidi_chars: 'No debe contener caracteres bidireccionales de incrustación, anulación o aislamiento (U+202A-U+202E, U+2066-U+2069).',
  field_note_empty: 'Debe indicar el destinatario.',
  field_note_required: 'Es obligatorio: indique para quién es el enlace.',
  field_days: 'Debe ser un número entero de días, a partir de 1.',
  field_tenant: 'Debe tener de 2 a 63 letras minúsculas, dígitos o guiones.',
  field_link_too_long: 'El archivo de la exportación se conserva hasta el {until}, así que un enlace puede durar como máximo {max} días.',
  field_link_too_long_one: 'El archivo de la exportación se conserva hasta el {until}, así que un enlace puede durar como máximo 1 día.',
  // ... and a problem by its type (and its detail, where the page knows the sentence).
  problem_unauthorized: 'Falta el token de portador o no es válido.',
  problem_forbidden: 'El token no tiene el ámbito necesario.',
  problem_forbidden_scope: 'El token no tiene el ámbito {scope}.',
  'problem_invalid-request': 'La solicitud no es válida.',
  'problem_unprocessable-request': 'La solicitud no se puede procesar.',
  'problem_job-not-found': 'No existe esa exportación.',
  'problem_link-not-found': 'No existe ese enlace compartido.',
  'problem_share-link-gone': 'El enlace compartido ya no es válido.',
  'problem_timestamp-not-found': 'No hay sello de tiempo de confianza.',
  'problem_not-found': 'No existe esa ruta.',
  'problem_method-not-allowed': 'Método no permitido en esta ruta.',
  'problem_job-state-conflict': 'El estado de la exportación no lo permite.',
  'problem_export-expired': 'La exportación caducó.',
  'problem_payload-too-large': 'El cuerpo de la solicitud es demasiado grande.',
  'problem_unsupported-media-type': 'El Content-Type debe ser application/json.',
  'problem_too-many-active-jobs': 'Hay demasiadas exportaciones en cola o en proceso.',
  'problem_temporarily-unavailable': 'El servicio no está disponible temporalmente; inténtelo de nuevo en unos instantes.',
  'problem_internal-error': 'Se produjo un error interno; ha quedado registrado.',
  problem_too_many: 'El inquilino ya tiene {limit} exportaciones en cola o en proceso.',
  problem_too_large: 'El cuerpo de la solicitud supera los {bytes} bytes.',
  problem_share_not_completed: 'La exportación está en estado «{status}»; solo se pueden compartir las exportaciones completadas.',
  problem_download_not_completed: 'La exportación está en estado «{status}»; solo se pueden descargar las exportaciones completadas.',
  problem_cancel_final: 'La exportación está en estado «{status}»; solo se pueden cancelar las exportaciones en cola o en proceso.',
  problem_share_expired: 'La exportación caducó el {at}; cree una nueva exportación para compartir los datos.',
  problem_expired_at: 'La exportación caducó el {at}; cree una nueva exportación para obtener de nuevo los datos.',
  problem_expired: 'La exportación caducó; cree una nueva exportación para obtener de nuevo los datos.',
  problem_too_many_links: 'La exportación ya tiene {live} enlaces compartidos activos (como máximo {max}); revoque uno primero.',
  none: '—',
};

const dictionaries = { en, es };
let current = 'en';

export function setLanguage(lang) {
  current = dictionaries[lang] ? lang : 'en';
  document.documentElement.lang = current;
  return current;
}

export function language() {
  return current;
}

/** The browser's own locale when it is of the chosen language (en-GB: 24-hour clock), else the language. */
export function locale() {
  const browser = navigator.language || current;
  return browser.toLowerCase().split('-')[0] === current ? browser : current;
}

/** Whether the current language has its own words for `key` (not English's). */
export function hasWord(key) {
  return Object.hasOwn(dictionaries[current], key);
}

/** The word for `key` in the current language, with `{name}` placeholders filled. */
export function t(key, values = {}) {
  const text = dictionaries[current][key] ?? en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

export function formatNumber(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

export function formatBytes(n) {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'];
  let i = 0;
  let value = n;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i += 1;
  }
  return new Intl.NumberFormat(locale(), {
    style: 'unit', unit: units[i], unitDisplay: 'short', maximumFractionDigits: i === 0 ? 0 : 1,
  }).format(value);
}

/** "in 3 days", "5 minutes ago": the largest unit that is at least 1. */
export function formatRelative(ms, now = Date.now()) {
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  const diff = ms - now;
  const abs = Math.abs(diff);
  const steps = [['day', 86400000], ['hour', 3600000], ['minute', 60000]];
  for (const [unit, size] of steps) {
    if (abs >= size) return rtf.format(Math.round(diff / size), unit);
  }
  return rtf.format(Math.round(diff / 1000), 'second');
}

/** A date and time in the browser's zone; the year only when it is not this year's. */
export function formatDateTime(ms, now = Date.now()) {
  const sameYear = new Date(ms).getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(locale(), {
    year: sameYear ? undefined : 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
  }).format(ms);
}

/** The full date and time, for a tooltip. */
export function formatFull(ms) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'full', timeStyle: 'long' }).format(ms);
}

// ---------------------------------------------------------------- the API's words
//
// What the API says in English (the contract's language: a failed job's
// `error.message`, problem+json `detail` and `errors[].message`), said in the
// page's language where the page knows what it means: a failure reason by
// its `error.code` (and, where one code has several sentences, by the
// sentence), a problem by its `type`, a field's message by its words. The
// values a sentence carries (attempts, an object key, a line, a date) are
// taken from the server's words; what the page does not know (another code,
// another type, free text) is shown as the server sent it. The English page
// shows the server's words unchanged. Messages: crates/domain/src/sweep.rs,
// crates/service/src/worker/, crates/service/src/http/ (problem.rs,
// create/, share.rs), crates/domain/src/window.rs and share.rs.

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
  ['source_unreadable', /^The event lake object (.+?) is not valid gzip or is truncated;/, 'reason_source_corrupt', ['object']],
  ['source_unreadable', /^The event lake could not be read\. Check that the events bucket exists/, 'reason_source_lake', []],
  ['malformed_line_strict', /^Strict mode: line (\d+) of (.+?) is malformed \((.*)\); the export stopped there\.$/s, 'reason_strict', ['line', 'object', 'reason']],
];

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
      text = say(key, captured(names, m));
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

export function fieldMessage(message) {
  if (!translating() || typeof message !== 'string') return null;
  const long = message.match(TOO_LONG);
  if (long) return say(long[2] === '1' ? 'field_link_too_long_one' : 'field_link_too_long', { until: when(long[1]), max: long[2] });
  for (const [pattern, key, names] of FIELD_SENTENCES) {
    const m = message.match(pattern);
    if (m) return say(key, captured(names, m));
  }
  return null;
}

/** A form field's name on the page, for a message not shown beside its field. */
const FIELD_LABELS = {
  date_from: 'startDate', date_to: 'endDate', timezone: 'timezone', label: 'label', format: 'format',
  note: 'shareNote', expires_in_days: 'shareDays', tenant: 'tenant',
};

export function fieldLabel(field) {
  return translating() && FIELD_LABELS[field] && hasWord(FIELD_LABELS[field]) ? t(FIELD_LABELS[field]) : field;
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
  ['job-state-conflict', /^the export expired at (\S+); create a new export job to share the data$/, 'problem_share_expired', ['at']],
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
  if (!translating() || !type || !PROBLEM_TYPES.includes(type)) return { text: serverText, original: null };
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
  if (general === null) return { text: serverText, original: null };
  if (FIXED_DETAIL.get(type) === detail) return { text: general, original: null };
  // Known in general only: the page's sentence for the type, the server's words beside it.
  return { text: general, original: serverText };
}

/** `{text, original}` as one line of plain text (an announcement, a notice). */
export function plain(words) {
  return words.original ? `${words.text} (${words.original})` : words.text;
}
