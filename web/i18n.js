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
  sections: 'Sections',
  section: 'Section',
  sectionStatus: 'Status',
  manifestJob: '{events} events, window {start} – {end}',
  errorGeneric: 'Something went wrong: {detail}',
  network: 'The API could not be reached. Check your connection and try again.',
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
  shareLede: 'Cualquiera con el enlace puede descargar este archivo sin iniciar sesión, hasta que el enlace caduque o lo revoques. Cada uso queda registrado en el historial de auditoría del trabajo.',
  shareNote: 'Destinatario',
  shareNoteHint: 'Para quién es el enlace, p. ej. «Ana Pérez, auditora externa». Aparece en la lista y en el historial de auditoría.',
  shareDays: 'Válido durante (días)',
  shareDaysHint: 'Como máximo {max} días: el archivo se elimina el {date}.',
  shareCreate: 'Crear enlace',
  shareUrl: 'Enlace para enviar',
  shareUrlHint: 'Solo se muestra ahora: cópialo antes de cerrar. El servicio guarda solo una huella.',
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
  shareNoteRequired: 'Indica para quién es el enlace.',
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
  sections: 'Secciones',
  section: 'Sección',
  sectionStatus: 'Estado',
  manifestJob: '{events} eventos, intervalo {start} – {end}',
  errorGeneric: 'Algo salió mal: {detail}',
  network: 'No se pudo contactar con la API. Compruebe la conexión e inténtelo de nuevo.',
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
