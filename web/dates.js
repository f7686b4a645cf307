// Calendar arithmetic in an IANA zone with nothing but Intl: quick ranges,
// zone-local fields <-> instants, and offsets for display.
const pad = (n, w = 2) => String(n).padStart(w, '0');
const partCache = new Map();

function partsFormatter(zone) {
  if (!partCache.has(zone)) {
    partCache.set(zone, new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    }));
  }
  return partCache.get(zone);
}

/** {y, m, d, h, mi, s} of instant `ms` on the wall clock of `zone`. */
export function zoneParts(ms, zone) {
  const out = {};
  for (const p of partsFormatter(zone).formatToParts(ms)) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return { y: out.year, m: out.month, d: out.day, h: out.hour % 24, mi: out.minute, s: out.second };
}

/** Minutes `zone` is ahead of UTC at instant `ms`. */
export function offsetMinutes(ms, zone) {
  const p = zoneParts(ms, zone);
  const wall = Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi, p.s);
  return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60000);
}

/** "+02:00" */
export function offsetText(ms, zone) {
  const off = offsetMinutes(ms, zone);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The instant of wall-clock `date` ("YYYY-MM-DD") and `time` ("HH:MM") in `zone`. */
export function zonedToInstant(date, time, zone) {
  const [y, m, d] = date.split('-').map(Number);
  const [h, mi] = (time || '00:00').split(':').map(Number);
  const wall = Date.UTC(y, m - 1, d, h, mi);
  let instant = wall - offsetMinutes(wall, zone) * 60000;
  const second = offsetMinutes(instant, zone);
  if (wall - second * 60000 !== instant) instant = wall - second * 60000;
  return instant;
}

/** "YYYY-MM-DD" and "HH:MM" of instant `ms` in `zone`. */
export function instantToFields(ms, zone) {
  const p = zoneParts(ms, zone);
  return { date: `${pad(p.y, 4)}-${pad(p.m)}-${pad(p.d)}`, time: `${pad(p.h)}:${pad(p.mi)}` };
}

function civil(y, m, d) {
  const t = new Date(Date.UTC(y, m - 1, d));
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/**
 * The form fields of a quick range at `now` in `zone`: rolling ranges end now
 * (to the minute) and start the same wall-clock time N days earlier; last
 * month and last quarter are whole calendar months, dates only.
 */
export function quickRange(name, now, zone) {
  const p = zoneParts(now, zone);
  const nowFields = instantToFields(now, zone);
  const days = { last7d: 7, last30d: 30, last90d: 90 }[name];
  if (name === 'last24h') {
    const start = instantToFields(now - 86400000, zone);
    return { startDate: start.date, startTime: start.time, endDate: nowFields.date, endTime: nowFields.time };
  }
  if (days) {
    return {
      startDate: civil(p.y, p.m, p.d - days), startTime: nowFields.time,
      endDate: nowFields.date, endTime: nowFields.time,
    };
  }
  if (name === 'lastMonth') {
    return { startDate: civil(p.y, p.m - 1, 1), startTime: '', endDate: civil(p.y, p.m, 0), endTime: '' };
  }
  if (name === 'lastQuarter') {
    const firstMonthOfThis = Math.floor((p.m - 1) / 3) * 3 + 1;
    return {
      startDate: civil(p.y, firstMonthOfThis - 3, 1), startTime: '',
      endDate: civil(p.y, firstMonthOfThis, 0), endTime: '',
    };
  }
  throw new Error(`unknown quick range ${name}`);
}

/** RFC 3339 with the zone's offset, e.g. 2026-05-01T00:00:00+02:00. */
export function rfc3339InZone(ms, zone) {
  const f = instantToFields(ms, zone);
  return `${f.date}T${f.time}:00${offsetText(ms, zone)}`;
}

/** The API's date_from/date_to: a date when no time is given, else an instant. */
export function bound(date, time, zone) {
  return time ? rfc3339InZone(zonedToInstant(date, time, zone), zone) : date;
}

/** Form fields that reproduce a job's half-open window in its zone. */
export function windowToFields(startIso, endIso, zone) {
  const start = instantToFields(Date.parse(startIso), zone);
  const endMs = Date.parse(endIso);
  const end = instantToFields(endMs, zone);
  const out = { startDate: start.date, startTime: start.time === '00:00' ? '' : start.time };
  if (end.time === '00:00') {
    const [y, m, d] = end.date.split('-').map(Number);
    return { ...out, endDate: civil(y, m, d - 1), endTime: '' };
  }
  return { ...out, endDate: end.date, endTime: end.time };
}

/** Every zone this browser knows, for the timezone field's suggestions. */
export function knownZones() {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
}

export function browserZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function isKnownZone(zone) {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The zone's IANA name as the API knows it, from a name typed in any case
 * ("europe/madrid" is Europe/Madrid): this browser's list of zones, else
 * the name Intl resolves it to when that differs only in case; otherwise
 * the name as typed (trimmed), for the API to judge.
 */
export function canonicalZone(name) {
  const typed = String(name ?? '').trim();
  const wanted = typed.toLowerCase();
  if (!wanted) return typed;
  if (wanted === 'utc') return 'UTC';
  const listed = knownZones().find((z) => z.toLowerCase() === wanted);
  if (listed) return listed;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: typed }).resolvedOptions().timeZone;
    if (resolved.toLowerCase() === wanted) return resolved;
  } catch {
    // Not a zone this browser knows: the API says so at the field.
  }
  return typed;
}
