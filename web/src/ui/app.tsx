import { useCallback, useMemo } from 'react';
import { createChatApi } from '../api/chat-api';
import { openRealtimeConnection } from '../realtime/realtime-connection';
import { AuthSession } from '../session/auth-session';
import { AuthPage } from './auth-page';
import { ChatApp } from './chat-app';
import { useSession } from './use-session';

/** The whole app: the sign-in page without a session, the chat with one. */
export function App({ auth: given }: { auth?: AuthSession } = {}) {
  // One per page: the access token lives here, in memory, and nowhere else.
  const auth = useMemo(() => given ?? new AuthSession(), [given]);
  const { session, restoring, notice, start, logout } = useSession(auth);

  const refresh = useCallback(async () => (await auth.refresh()) !== undefined, [auth]);
  const onUnauthorized = useCallback(() => auth.end(), [auth]);
  const api = useMemo(() => createChatApi({ getToken: () => auth.token(), refresh, onUnauthorized }), [auth, refresh, onUnauthorized]);
  const openConnection = useCallback(() => openRealtimeConnection({ getToken: () => auth.token(), refreshToken: refresh }), [auth, refresh]);
  const onLogout = useCallback(() => void logout(), [logout]);

  if (restoring) return <p className="app-loading">Loading…</p>;
  if (!session) return <AuthPage api={api} onAuthenticated={start} notice={notice} />;
  return (
    <ChatApp
      // A new session (another user) gets a fresh controller and socket.
      key={session.user.id}
      me={session.user}
      api={api}
      openConnection={openConnection}
      onLogout={onLogout}
      onUnauthorized={onUnauthorized}
    />
  );
}
