/**
 * Message ids are UUIDv7: the first 48 bits are the gateway's clock in milliseconds, so the
 * lexical order of the lowercase hex form is the order in which the gateway accepted the messages.
 * Comparing ids (not createdAt) keeps one order even when two messages share a millisecond.
 */
export function compareMessageIds(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  return left < right ? -1 : left > right ? 1 : 0;
}
