// Reads a compliance-all bundle in the browser: gunzip (DecompressionStream),
// walk the tar headers, hash every file (Web Crypto) and check it against the
// manifest and SHA256SUMS, as `sha256sum -c` and `kt export-jobs verify` do.
// It does not check the signature over manifest.json (the panel says so).

export async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Files the manifest does not list, by design, and what each is: the manifest
 * itself, what signs or timestamps it (a manifest cannot list its own
 * signature) and SHA256SUMS. They are checked against SHA256SUMS only; every
 * other file must be a manifest artifact (`kt export-jobs verify` fails it).
 */
export const TAG_FILES = {
  'manifest.json': 'roleManifest',
  'manifest.sig': 'roleSignature',
  'signing-key.pem': 'rolePublicKey',
  'manifest.tsr': 'roleTimestamp',
  SHA256SUMS: 'roleSums',
};

/** Inventory checks that are failures. */
export const FAILED_CHECKS = new Set(['differs', 'notListed']);

function text(bytes, from, len) {
  const slice = bytes.subarray(from, from + len);
  const end = slice.indexOf(0);
  return new TextDecoder().decode(end === -1 ? slice : slice.subarray(0, end));
}

/** The regular files of a (ustar or GNU) tar archive, as {path, bytes}. */
export function untar(bytes) {
  const files = [];
  let at = 0;
  let longName = null;
  while (at + 512 <= bytes.length) {
    const header = bytes.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(text(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    const prefix = text(header, 345, 155);
    let path = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    const body = bytes.subarray(at + 512, at + 512 + size);
    longName = null;
    if (type === 'L') longName = text(body, 0, size);
    else if (type === '0' || type === '\0') {
      path = path.replace(/^\.\//, '');
      files.push({ path, bytes: body });
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/**
 * Fetches the bundle from `url` and returns what the panel shows: the archive
 * hash, each file with its hash, what it is (`role`, an i18n key) and whether
 * the manifest and SHA256SUMS agree (`check`), the manifest, and each report's
 * sections.
 */
export async function readBundle(url) {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const archive = new Uint8Array(await response.arrayBuffer());
  const archiveSha = await sha256Hex(archive);
  const stream = new Blob([archive]).stream().pipeThrough(new DecompressionStream('gzip'));
  const tar = new Uint8Array(await new Response(stream).arrayBuffer());
  const files = untar(tar);
  const byPath = new Map(files.map((f) => [f.path, f]));
  const json = (path) => (byPath.has(path) ? JSON.parse(new TextDecoder().decode(byPath.get(path).bytes)) : null);
  const manifest = json('manifest.json');
  const sums = new Map();
  const sumsFile = byPath.get('SHA256SUMS');
  if (sumsFile) {
    for (const line of new TextDecoder().decode(sumsFile.bytes).split('\n')) {
      const m = line.match(/^([0-9a-f]{64}) [ *](.+)$/);
      if (m) sums.set(m[2], m[1]);
    }
  }
  const listed = new Map((manifest?.artifacts ?? []).map((a) => [a.path, a]));
  const inventory = [];
  for (const file of files) {
    const sha = await sha256Hex(file.bytes);
    const entry = listed.get(file.path);
    const inSums = sums.get(file.path);
    const tag = TAG_FILES[file.path];
    let check;
    if (file.path === 'SHA256SUMS') check = 'self';
    else if (inSums !== sha || (entry && entry.sha256 !== sha)) check = 'differs';
    else if (tag) check = 'matchesSums';
    else if (!entry) check = 'notListed';
    else check = 'matches';
    const role = tag ?? (entry ? (entry.media_type === 'text/html' ? 'roleRendering' : 'roleReport') : null);
    inventory.push({ path: file.path, size: file.bytes.length, sha256: sha, role, check });
  }
  const reports = [];
  for (const artifact of manifest?.artifacts ?? []) {
    // Renderings (text/html) are artifacts too; only reports have sections.
    if ((artifact.media_type ?? 'application/json') !== 'application/json') continue;
    const report = json(artifact.path);
    if (!report?.sections) continue;
    // In article order (art4 before art12), not as the JSON's keys sort as text.
    const sections = Object.entries(report.sections)
      .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
      .map(([key, s]) => ({
        key, title: s.title ?? '', reference: s.reference ?? '', status: s.status ?? '',
      }));
    reports.push({ path: artifact.path, format: artifact.format ?? report.report?.format, sections });
  }
  return { archiveSha, inventory, manifest, reports };
}
