import type { Room } from '@chat/protocol';
import { useEffect, useState } from 'react';
import type { ChatApi } from '../api/chat-api';
import { errorText } from '../ui/error-text';
import { roomHref } from '../ui/use-hash-route';
import { leaveInvitePath } from './invite-path';

/**
 * A signed-in visitor of an invite link: accepts it, then hands over to the chat with the room's hash
 * route in the URL, so the chat opens in that room. A link that no longer works says so, with a way on.
 */
export function InviteAccept({ api, code, onDone }: { api: Pick<ChatApi, 'acceptInvite'>; code: string; onDone: (room?: Room) => void }) {
  const [error, setError] = useState<string>();
  useEffect(() => {
    let current = true;
    api.acceptInvite(code).then(
      (room) => {
        if (!current) return;
        leaveInvitePath(roomHref(room.id));
        onDone(room);
      },
      (caught: unknown) => current && setError(errorText(caught)),
    );
    return () => {
      current = false;
    };
  }, [api, code, onDone]);

  const goOn = () => {
    leaveInvitePath();
    onDone();
  };
  return (
    <main className="auth">
      <div className="auth__card">
        <p className="brand brand--large">Chat</p>
        {error ? (
          <>
            <h1>The invitation did not work</h1>
            <p className="notice" role="alert">
              {error}
            </p>
            <button type="button" className="button button--primary button--block" onClick={goOn}>
              Continue to the chat
            </button>
          </>
        ) : (
          <p role="status">Joining the room…</p>
        )}
      </div>
    </main>
  );
}
