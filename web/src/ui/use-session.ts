import type { PublicUser } from '@chat/protocol';
import { useCallback, useEffect, useState } from 'react';
import { clearSession, loadSession, saveSession, sessionFromAuth, type Session } from '../session/session-storage';

/** setTimeout's largest delay (about 24.8 days); a longer wait is done in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
export const EXPIRED_NOTICE = 'Your session has expired. Please log in again.';

/** The session, kept across reloads, ended at its token's expiry or when the server rejects it. */
export function useSession(storage: Storage) {
  const [session, setSession] = useState<Session | undefined>(() => loadSession(storage, Date.now()));
  const [notice, setNotice] = useState<string>();

  const end = useCallback(
    (reason?: string) => {
      clearSession(storage);
      setSession(undefined);
      setNotice(reason);
    },
    [storage],
  );

  const start = useCallback(
    (token: string, user: PublicUser) => {
      const next = sessionFromAuth(token, user);
      if (!next) return setNotice('The server sent a session this app cannot read. Please try again.');
      saveSession(storage, next);
      setNotice(undefined);
      setSession(next);
    },
    [storage],
  );

  // Send the user to log in the moment the token expires, not at the next failing request.
  useEffect(() => {
    if (!session) return;
    let timer: ReturnType<typeof setTimeout>;
    const check = () => {
      const left = session.expiresAt - Date.now();
      if (left <= 0) end(EXPIRED_NOTICE);
      else timer = setTimeout(check, Math.min(left, MAX_TIMER_MS));
    };
    check();
    return () => clearTimeout(timer);
  }, [session, end]);

  return { session, notice, start, end };
}
