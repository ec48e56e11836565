import { LIMITS } from '@chat/protocol';

/** Characters that are path separators, reserved on Windows, or invisible controls and bidi overrides. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f/\\:*?"<>|\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/**
 * A file name safe to display and to offer as a download name: no directories, no control or bidi
 * characters (which can disguise "gpj.exe" as "exe.jpg"), no leading dots, at most 200 characters with the
 * extension kept. Never empty.
 */
export function sanitizeFileName(raw: string): string {
  const base = raw.normalize('NFC').split(/[/\\]/).pop() ?? '';
  let name = base.replace(UNSAFE, '_').replace(/\s+/g, ' ').trim().replace(/^\.+/, '');
  if (name.length > LIMITS.fileNameMax) {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
    name = name.slice(0, LIMITS.fileNameMax - ext.length) + ext;
  }
  return name || 'file';
}

/**
 * A Content-Disposition value for a download under `name`: an ASCII fallback and the UTF-8 name
 * (RFC 6266 / RFC 5987), so that no browser ever sees a raw quote or non-ASCII byte in the header.
 */
export function contentDisposition(kind: 'attachment' | 'inline', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["%;\\]/g, '_');
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
