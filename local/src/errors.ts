/** A failure of the local system that a person can act on: the message says what and how to fix it. */
export class LocalStackError extends Error {
  override name = 'LocalStackError';
}
