import type { InvitePreviewResponse } from '@chat/protocol';
import { useEffect, useState } from 'react';
import type { ChatApi } from '../api/chat-api';
import { errorText } from '../ui/error-text';

/**
 * What a logged-out visitor of an invite link sees above the sign-in form: the room's name, topic and
 * member count (the public preview; no member list), or why the link no longer works.
 */
export function InvitePreview({ api, code }: { api: Pick<ChatApi, 'invitePreview'>; code: string }) {
  const [preview, setPreview] = useState<InvitePreviewResponse>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let current = true;
    api.invitePreview(code).then(
      (found) => current && setPreview(found),
      (caught: unknown) => current && setError(errorText(caught)),
    );
    return () => {
      current = false;
    };
  }, [api, code]);

  if (error) {
    return (
      <p className="notice" role="alert">
        This invite link does not work: {error}
      </p>
    );
  }
  if (!preview) return <p className="invite-preview" role="status">Loading the invitation…</p>;
  const { room } = preview;
  return (
    <section className="invite-preview" aria-label="Invitation">
      <p>You are invited to join</p>
      <h2># {room.name}</h2>
      {room.topic && <p className="invite-preview__topic">{room.topic}</p>}
      <p className="invite-preview__count">
        {room.memberCount} {room.memberCount === 1 ? 'member' : 'members'}
      </p>
      <p>Sign up or log in to join.</p>
    </section>
  );
}
