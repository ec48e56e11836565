/**
 * The `exp` claim of a JWT, in epoch milliseconds, or undefined when the token is not a JWT with a
 * numeric `exp`. The signature is not checked: the server does that; the client only needs to know
 * when the session ends, to send the user to log in at that moment rather than on the next failure.
 */
export function tokenExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const claims: unknown = JSON.parse(atob(padded));
    const exp = (claims as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
