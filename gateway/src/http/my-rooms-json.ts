import type { MyRoom, MyRoomsResponse } from '@chat/protocol';

const HTML_CHARS = /[<>&]/;
const HTML_CHARS_ALL = /[<>&]/g;
const ESCAPED: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026' };

/** A field people write (or a marker Redis hands back) that holds `<`, `>` or `&`. */
const needsEscape = (room: MyRoom): boolean =>
  HTML_CHARS.test(room.name) ||
  (room.topic !== undefined && HTML_CHARS.test(room.topic)) ||
  (room.description !== undefined && HTML_CHARS.test(room.description)) ||
  (room.lastReadId !== null && HTML_CHARS.test(room.lastReadId));

/**
 * The body `res.json({ rooms })` sends under the app's `json escape` (app.ts), byte for byte, without its
 * regular-expression pass over the whole ~70 KB text on every request: only the fields that can hold
 * `<`, `>` or `&` are looked at (ids, timestamps, enums and numbers cannot), and the text is escaped
 * as express does when one of them does.
 */
export function myRoomsJson(rooms: MyRoom[], escape: boolean): string {
  const json = JSON.stringify({ rooms } satisfies MyRoomsResponse);
  return escape && rooms.some(needsEscape) ? json.replace(HTML_CHARS_ALL, (c) => ESCAPED[c]!) : json;
}
