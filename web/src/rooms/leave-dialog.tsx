import type { PublicUser, Room, RoomMember } from '@chat/protocol';
import { useEffect, useId, useState } from 'react';
import type { ChatApi } from '../api/chat-api';
import { errorText } from '../ui/error-text';
import { Modal } from '../ui/modal';
import { nameOf } from './members-dialog';

/**
 * Leaving, confirmed. The owner of a room others are in transfers it first (the server refuses otherwise):
 * the dialog asks to whom, then leaves.
 */
export function LeaveDialog({ api, room, me, onLeave, onClose }: { api: ChatApi; room: Room; me: PublicUser; onLeave: () => Promise<void>; onClose: () => void }) {
  const id = useId();
  const mustTransfer = room.visibility !== 'direct' && room.ownerId === me.id && room.memberCount > 1;
  const [candidates, setCandidates] = useState<RoomMember[]>([]);
  const [heir, setHeir] = useState('');
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (!mustTransfer) return;
    api.membersPage(room.id).then(
      (page) => setCandidates(page.members.filter((m) => m.id !== me.id)),
      (caught: unknown) => setError(errorText(caught)),
    );
  }, [api, room.id, me.id, mustTransfer]);

  const leave = async () => {
    setError(undefined);
    try {
      if (mustTransfer) {
        if (!heir) return setError('Choose who owns the room after you.');
        await api.transfer(room.id, heir);
      }
      await onLeave();
    } catch (caught) {
      setError(errorText(caught));
    }
  };

  return (
    <Modal title={`Leave ${room.visibility === 'direct' ? room.name : `# ${room.name}`}?`} onClose={onClose}>
      {() => (
        <div className="form">
          <p className="form__description">
            {room.visibility === 'private' ? 'You will need a new invitation to come back.' : 'You can join again later.'}
          </p>
          {mustTransfer && (
            <div className="field">
              <label htmlFor={`${id}-heir`}>You own this room: who owns it after you?</label>
              <select id={`${id}-heir`} value={heir} onChange={(e) => setHeir(e.target.value)}>
                <option value="">Choose a member</option>
                {candidates.map((m) => (
                  <option key={m.id} value={m.id}>
                    {nameOf(m)}
                  </option>
                ))}
              </select>
            </div>
          )}
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
          <div className="form__actions">
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            <button type="button" className="button button--primary" onClick={() => void leave()}>
              {mustTransfer ? 'Transfer and leave' : 'Leave room'}
            </button>
          </div>
        </div>
      )}
    </Modal>
  );
}
