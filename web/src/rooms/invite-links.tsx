import type { Room, RoomInvite } from '@chat/protocol';
import { useCallback, useEffect, useId, useState } from 'react';
import type { ChatApi } from '../api/chat-api';
import { errorText } from '../ui/error-text';

/** Lifetimes offered for a new link, in seconds (the server allows a minute to 30 days). */
const LIFETIMES = [
  { label: '1 hour', seconds: 3_600 },
  { label: '1 day', seconds: 86_400 },
  { label: '7 days', seconds: 7 * 86_400 },
  { label: '30 days', seconds: 30 * 86_400 },
] as const;

const usesOf = ({ uses, maxUses }: RoomInvite) => (maxUses === null ? `${uses} ${uses === 1 ? 'use' : 'uses'}` : `${uses} of ${maxUses} uses`);
const expiryOf = (invite: RoomInvite) => (invite.expiresAt ? `expires ${new Date(invite.expiresAt).toLocaleString()}` : 'never expires');

/**
 * A room's invite links for its admins: create one (a lifetime, a use limit), copy the new link (its code
 * is shown only now: the server keeps a hash), see each live link's uses and expiry, revoke one.
 */
export function InviteLinks({ api, room }: { api: ChatApi; room: Room }) {
  const id = useId();
  const [invites, setInvites] = useState<RoomInvite[]>([]);
  const [created, setCreated] = useState<string>();
  const [lifetime, setLifetime] = useState<number>(7 * 86_400);
  const [maxUses, setMaxUses] = useState('');
  const [error, setError] = useState<string>();
  const load = useCallback(async () => setInvites(await api.invites(room.id)), [api, room.id]);
  const run = (work: () => Promise<unknown>) => async () => {
    setError(undefined);
    try {
      await work();
      await load();
    } catch (caught) {
      setError(errorText(caught));
    }
  };
  useEffect(() => {
    load().catch((caught: unknown) => setError(errorText(caught)));
  }, [load]);

  const create = run(async () => {
    const limit = maxUses.trim() ? Number(maxUses) : undefined;
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) throw new Error('The use limit is a whole number, 1 or more.');
    setCreated((await api.createInvite(room.id, limit, lifetime)).url);
  });

  return (
    <fieldset className="field invite-links">
      <legend>Invite links</legend>
      <div className="invite-links__new">
        <label htmlFor={`${id}-lifetime`}>Expires after</label>
        <select id={`${id}-lifetime`} value={lifetime} onChange={(e) => setLifetime(Number(e.target.value))}>
          {LIFETIMES.map((l) => (
            <option key={l.seconds} value={l.seconds}>
              {l.label}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-uses`}>Use limit</label>
        <input id={`${id}-uses`} inputMode="numeric" placeholder="none" value={maxUses} onChange={(e) => setMaxUses(e.target.value)} />
        <button type="button" className="button" onClick={() => void create()}>
          Create invite link
        </button>
      </div>
      {created && (
        <div className="invite-links__created">
          <input aria-label="New invite link" readOnly value={created} onFocus={(e) => e.target.select()} />
          <button type="button" className="button button--small" onClick={() => void navigator.clipboard?.writeText(created).catch(() => undefined)}>
            Copy link
          </button>
        </div>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <ul className="invite-links__list" aria-label="Live invite links">
        {invites.map((invite) => (
          <li key={invite.id}>
            <span>
              Created {new Date(invite.createdAt).toLocaleString()} · {usesOf(invite)} · {expiryOf(invite)}
            </span>
            <button type="button" className="button button--small button--danger" onClick={() => void run(() => api.revokeInvite(room.id, invite.id))()}>
              Revoke
            </button>
          </li>
        ))}
        {invites.length === 0 && <li className="muted">No live links.</li>}
      </ul>
    </fieldset>
  );
}
