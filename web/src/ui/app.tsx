import { useCallback, useMemo, useRef } from 'react';
import { createChatApi } from '../api/chat-api';
import { openRealtimeConnection } from '../realtime/realtime-connection';
import { AuthPage } from './auth-page';
import { ChatApp } from './chat-app';
import { EXPIRED_NOTICE, useSession } from './use-session';

/** The whole app: the sign-in page without a session, the chat with one. */
export function App() {
  const { session, notice, start, end } = useSession(localStorage);
  // The API and the socket read the token through this ref, so they always use the current one.
  const token = useRef(session?.token);
  token.current = session?.token;

  const onUnauthorized = useCallback(() => end(EXPIRED_NOTICE), [end]);
  const api = useMemo(() => createChatApi({ getToken: () => token.current, onUnauthorized }), [onUnauthorized]);
  const openConnection = useCallback(() => openRealtimeConnection({ getToken: () => token.current }), []);
  const logout = useCallback(() => end(), [end]);

  if (!session) return <AuthPage api={api} onAuthenticated={start} notice={notice} />;
  return (
    <ChatApp
      // A new session (another user) gets a fresh controller and socket.
      key={session.user.id}
      me={session.user}
      api={api}
      openConnection={openConnection}
      onLogout={logout}
      onUnauthorized={onUnauthorized}
    />
  );
}
