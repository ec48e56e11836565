/**
 * The types of file the platform accepts, and how each is recognised from its first bytes. A small,
 * explicit table rather than a general detector: only what is allowed needs recognising, and the
 * `file-type` package is ESM-only, which the gateway's CommonJS build on Node 20 cannot load.
 */

/** How many leading bytes the gateway reads (one ranged GET) to recognise a file. */
export const SNIFF_BYTES = 64;

interface FileType {
  mime: string;
  /** Images the thumbnail worker can decode. */
  image: boolean;
  /** Safe to show inline in a browser (raster images); everything else is downloaded as an attachment. */
  inline: boolean;
  /** True when the first bytes are of this type. */
  matches: (head: Uint8Array) => boolean;
}

const startsWith = (head: Uint8Array, bytes: number[], offset = 0) => bytes.every((b, i) => head[offset + i] === b);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** Text has no magic number: accept UTF-8 without NUL or other binary control bytes. */
function looksLikeText(head: Uint8Array): boolean {
  for (const byte of head) if (byte === 0 || (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c)) return false;
  try {
    // A multi-byte character cut at the end of the sample is fine; anything else invalid is not text.
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, lastCompleteCharacterEnd(head)));
    return true;
  } catch {
    return false;
  }
}

function lastCompleteCharacterEnd(head: Uint8Array): number {
  let end = head.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = head[end - back]!;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte
    if (byte >= 0xc0) end -= back; // a lead byte whose continuation may be cut off
    break;
  }
  return end;
}

const isoMedia = (brands: string[]) => (head: Uint8Array) =>
  startsWith(head, ascii('ftyp'), 4) && brands.some((brand) => startsWith(head, ascii(brand), 8));

const TYPES: FileType[] = [
  { mime: 'image/png', image: true, inline: true, matches: (h) => startsWith(h, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { mime: 'image/jpeg', image: true, inline: true, matches: (h) => startsWith(h, [0xff, 0xd8, 0xff]) },
  { mime: 'image/gif', image: true, inline: true, matches: (h) => startsWith(h, ascii('GIF87a')) || startsWith(h, ascii('GIF89a')) },
  { mime: 'image/webp', image: true, inline: true, matches: (h) => startsWith(h, ascii('RIFF')) && startsWith(h, ascii('WEBP'), 8) },
  { mime: 'application/pdf', image: false, inline: false, matches: (h) => startsWith(h, ascii('%PDF-')) },
  { mime: 'application/zip', image: false, inline: false, matches: (h) => startsWith(h, [0x50, 0x4b, 0x03, 0x04]) || startsWith(h, [0x50, 0x4b, 0x05, 0x06]) },
  { mime: 'video/mp4', image: false, inline: false, matches: isoMedia(['isom', 'iso2', 'mp41', 'mp42', 'avc1', 'M4V ']) },
  { mime: 'audio/mpeg', image: false, inline: false, matches: (h) => startsWith(h, ascii('ID3')) || (h[0] === 0xff && ((h[1] ?? 0) & 0xe0) === 0xe0) },
  { mime: 'text/plain', image: false, inline: false, matches: looksLikeText },
];

const BY_MIME = new Map(TYPES.map((t) => [t.mime, t]));

/** The allow-list: MIME types a file may be declared with. */
export const ALLOWED_TYPES: readonly string[] = TYPES.map((t) => t.mime);

export const isAllowedType = (mime: string): boolean => BY_MIME.has(mime);

/** Whether a file of this (allowed) type may be shown inline; SVG, HTML and everything unknown never are. */
export const isInlineSafe = (mime: string): boolean => BY_MIME.get(mime)?.inline ?? false;

/** Whether the thumbnail worker should make a thumbnail of this type. */
export const isImage = (mime: string): boolean => BY_MIME.get(mime)?.image ?? false;

/** True when the file's first bytes are of the declared (allowed) type. */
export function contentMatches(declared: string, head: Uint8Array): boolean {
  return BY_MIME.get(declared)?.matches(head) ?? false;
}
