import { useCallback, useMemo, useState } from 'react';
import { createChatApi } from '../api/chat-api';
import { InviteAccept } from '../invites/invite-accept';
import { inviteCodeFromPath } from '../invites/invite-path';
import { InvitePreview } from '../invites/invite-preview';
import { openRealtimeConnection } from '../realtime/realtime-connection';
import { AuthSession } from '../session/auth-session';
import { AuthPage } from './auth-page';
import { ChatApp } from './chat-app';
import { useSession } from './use-session';

/**
 * The whole app: the sign-in page without a session, the chat with one. Opened from an invite link
 * (`/invite/<code>`), the sign-in page shows the room first, and once signed in the link is accepted
 * before the chat opens, in that room.
 */
export function App({ auth: given }: { auth?: AuthSession } = {}) {
  // One per page: the access token lives here, in memory, and nowhere else.
  const auth = useMemo(() => given ?? new AuthSession(), [given]);
  const { session, restoring, notice, start, logout } = useSession(auth);

  const refresh = useCallback(async () => (await auth.refresh()) !== undefined, [auth]);
  const onUnauthorized = useCallback(() => auth.end(), [auth]);
  const api = useMemo(() => createChatApi({ getToken: () => auth.token(), refresh, onUnauthorized }), [auth, refresh, onUnauthorized]);
  const openConnection = useCallback(() => openRealtimeConnection({ getToken: () => auth.token(), refreshToken: refresh }), [auth, refresh]);
  const onLogout = useCallback(() => void logout(), [logout]);
  const [inviteCode, setInviteCode] = useState(() => inviteCodeFromPath(window.location.pathname));
  const inviteDone = useCallback(() => setInviteCode(undefined), []);

  if (restoring) return <p className="app-loading">Loading…</p>;
  if (!session) {
    const header = inviteCode ? <InvitePreview api={api} code={inviteCode} /> : undefined;
    return <AuthPage api={api} onAuthenticated={start} notice={notice} header={header} />;
  }
  if (inviteCode) return <InviteAccept api={api} code={inviteCode} onDone={inviteDone} />;
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
