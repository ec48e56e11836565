/**
 * A new clientMsgId: 128 random bits as base64url (22 characters of [A-Za-z0-9_-], as the protocol
 * requires). getRandomValues works on plain-http origins too, where crypto.randomUUID does not exist.
 */
export function newClientMsgId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
