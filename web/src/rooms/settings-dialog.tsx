import { type PublicUser, type Room, roomSettingsSchema } from '@chat/protocol';
import { type FormEvent, useId, useState } from 'react';
import type { ChatApi } from '../api/chat-api';
import { errorText } from '../ui/error-text';
import { Modal } from '../ui/modal';
import { InviteLinks } from './invite-links';

/**
 * Room settings for its owner and admins: name, topic, description, visibility; invite links; archive (the owner).
 * Every change goes out as `room:updated`, which updates this room everywhere, this tab included.
 */
export function RoomSettingsDialog({ api, room, me, onClose }: { api: ChatApi; room: Room; me: PublicUser; onClose: () => void }) {
  const id = useId();
  const [name, setName] = useState(room.name);
  const [topic, setTopic] = useState(room.topic ?? '');
  const [description, setDescription] = useState(room.description ?? '');
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState(false);
  const [visibility, setVisibility] = useState(room.visibility);
  const isOwner = room.ownerId === me.id;

  const run = async (work: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await work();
      return true;
    } catch (caught) {
      setError(errorText(caught));
      return false;
    }
  };
  const save = async (event: FormEvent) => {
    event.preventDefault();
    const changes = {
      ...(name !== room.name && { name }),
      ...(topic !== (room.topic ?? '') && { topic }),
      ...(description !== (room.description ?? '') && { description }),
      ...(visibility !== room.visibility && { visibility }),
    };
    const parsed = roomSettingsSchema.safeParse(changes);
    if (!parsed.success) return setError(parsed.error.issues[0]?.message ?? 'Nothing to change');
    if (await run(() => api.updateRoom(room.id, parsed.data))) setSaved(true);
  };

  return (
    <Modal title={`Settings of # ${room.name}`} onClose={onClose}>
      {() => (
        <form className="form" onSubmit={(e) => void save(e)} noValidate>
          <div className="field">
            <label htmlFor={`${id}-name`}>Room name</label>
            <input id={`${id}-name`} value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-topic`}>Topic</label>
            <input id={`${id}-topic`} value={topic} maxLength={250} onChange={(e) => setTopic(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-description`}>Description</label>
            <textarea id={`${id}-description`} value={description} maxLength={1000} onChange={(e) => setDescription(e.target.value)} />
          </div>
          {room.visibility !== 'direct' && (
            <div className="field">
              <label htmlFor={`${id}-visibility`}>Who can join</label>
              <select id={`${id}-visibility`} value={visibility} onChange={(e) => setVisibility(e.target.value as 'public' | 'private')}>
                <option value="public">Public: anyone can find and join it</option>
                <option value="private">Private: by invitation or invite link</option>
              </select>
            </div>
          )}
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
          {saved && <p role="status">Saved.</p>}
          <div className="form__actions">
            <button type="submit" className="button button--primary">
              Save
            </button>
          </div>
          <InviteLinks api={api} room={room} />
          {isOwner && (
            <div className="field">
              <button type="button" className="button button--danger" onClick={() => void run(() => api.archiveRoom(room.id))}>
                Archive room
              </button>
            </div>
          )}
        </form>
      )}
    </Modal>
  );
}
