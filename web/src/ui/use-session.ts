import type { PublicUser } from '@chat/protocol';
import { useCallback, useEffect, useState } from 'react';
import type { AuthSession, Session } from '../session/auth-session';

export const EXPIRED_NOTICE = 'Your session has ended. Please log in again.';

/**
 * The tab's session, from {@link AuthSession}: restored from the refresh cookie on load (`restoring`
 * until the answer), renewed silently, ended by logout or when the server no longer accepts it.
 */
export function useSession(auth: AuthSession) {
  const [session, setSession] = useState<Session | undefined>(auth.session);
  const [restoring, setRestoring] = useState(!auth.session);
  const [notice, setNotice] = useState<string>();

  useEffect(() => {
    let signedIn = Boolean(auth.session);
    const unsubscribe = auth.subscribe((next) => {
      // Signed out without asking for it (ended elsewhere, expired): say so on the login page.
      if (signedIn && !next) setNotice(EXPIRED_NOTICE);
      signedIn = Boolean(next);
      setSession(next);
    });
    if (!auth.session) void auth.restore().finally(() => setRestoring(false));
    return unsubscribe;
  }, [auth]);

  const start = useCallback(
    (token: string, user: PublicUser) => {
      if (!auth.start({ token, user })) return setNotice('The server sent a session this app cannot read. Please try again.');
      setNotice(undefined);
    },
    [auth],
  );

  /** The user logged out: no notice. */
  const logout = useCallback(async () => {
    const ending = auth.logout(); // signs out synchronously: the listener's notice is replaced below
    setNotice(undefined);
    await ending;
  }, [auth]);

  return { session, restoring, notice, start, logout };
}
