import type { PublicUser, Room, RoomMember } from '@chat/protocol';
import { useCallback, useEffect, useState } from 'react';
import type { ChatApi } from '../api/chat-api';
import { errorText } from '../ui/error-text';
import { Modal } from '../ui/modal';
import { isStaff, rank, useMyRole } from './use-my-role';

/** The name people read: the display name where set. */
export const nameOf = (user: PublicUser & { displayName?: string | null }) => user.displayName || user.username;

/**
 * The room's members with role and presence, a search box, and the actions my role allows on each
 * (the server decides; this only hides what it would refuse): make admin or member, mute for an hour, kick, ban.
 */
export function MembersDialog({ api, room, me, onClose }: { api: ChatApi; room: Room; me: PublicUser; onClose: () => void }) {
  const [members, setMembers] = useState<RoomMember[]>([]);
  const { role: myRole, reload: reloadMyRole } = useMyRole(api, room, me);
  const [q, setQ] = useState('');
  const [error, setError] = useState<string>();
  const load = useCallback(async () => {
    try {
      setMembers((await api.membersPage(room.id, q)).members);
    } catch (caught) {
      setError(errorText(caught));
    }
  }, [api, room.id, q]);
  useEffect(() => void load(), [load]);

  const act = (work: () => Promise<unknown>) => async () => {
    setError(undefined);
    try {
      await work();
      await Promise.all([load(), reloadMyRole()]);
    } catch (caught) {
      setError(errorText(caught));
    }
  };
  const staff = isStaff(myRole);

  return (
    <Modal title={`Members of # ${room.name}`} onClose={onClose}>
      {() => (
        <div className="members">
          <input className="members__search" type="search" aria-label="Search members" placeholder="Search members" value={q} onChange={(e) => setQ(e.target.value)} />
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
          <ul className="members__list" aria-label="Members">
            {members.map((m) => (
              <li key={m.id} className="members__item">
                <span className="avatar" aria-hidden="true">
                  {m.avatar.initials}
                </span>
                <span className={`presence-dot presence-dot--${m.online ? 'online' : 'offline'}`} aria-label={m.online ? 'online' : 'offline'} />
                <span className="members__name">
                  {nameOf(m)}
                  {m.displayName && <span className="muted"> @{m.username}</span>}
                  {m.id === me.id && <span className="muted"> (you)</span>}
                </span>
                {m.role && m.role !== 'member' && <span className="badge">{m.role}</span>}
                {m.mutedUntil && <span className="badge">muted</span>}
                {staff && m.id !== me.id && m.role !== 'owner' && (
                  <span className="members__actions">
                    <button type="button" className="button button--small" onClick={act(() => api.setRole(room.id, m.id, m.role === 'admin' ? 'member' : 'admin'))}>
                      {m.role === 'admin' ? `Make ${m.username} a member` : `Make ${m.username} admin`}
                    </button>
                    {rank(m.role) < rank(myRole) && (
                      <>
                        <button type="button" className="button button--small" onClick={act(() => api.mute(room.id, m.id, new Date(Date.now() + 3_600_000).toISOString()))}>
                          Mute {m.username} for an hour
                        </button>
                        <button type="button" className="button button--small" onClick={act(() => api.kick(room.id, m.id))}>
                          Kick {m.username}
                        </button>
                        <button type="button" className="button button--small button--danger" onClick={act(() => api.ban(room.id, m.id, ''))}>
                          Ban {m.username}
                        </button>
                      </>
                    )}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
    </Modal>
  );
}
