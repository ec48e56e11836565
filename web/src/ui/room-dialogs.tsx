import { roomNameSchema, usernameSchema, type Room } from '@chat/protocol';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/api-error';
import { errorText } from './error-text';
import { Modal } from './modal';

const firstIssue = (result: { success: boolean; error?: { issues: { message: string }[] } }): string | undefined =>
  result.success ? undefined : capitalize(result.error?.issues[0]?.message ?? 'Invalid value');
const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A single-field form in a modal: validates locally with the protocol's schema, then calls the server. */
function useSubmit<T>(action: () => Promise<T>, onDone: (result: T) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = async (event: FormEvent, localProblem?: string) => {
    event.preventDefault();
    if (localProblem) return setError(localProblem);
    setBusy(true);
    setError(undefined);
    try {
      onDone(await action());
    } catch (caught) {
      setError(errorText(caught));
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

/** Creates a public or private room. */
export function CreateRoomDialog({
  onCreate,
  onClose,
  onCreated,
}: {
  onCreate: (name: string, visibility: 'public' | 'private') => Promise<Room>;
  onClose: () => void;
  onCreated: (room: Room) => void;
}) {
  const id = useId();
  const [name, setName] = useState('');
  const [visibility, setVisibility] = useState<'public' | 'private'>('public');
  const { busy, error, run } = useSubmit(() => onCreate(name.trim(), visibility), onCreated);
  return (
    <Modal title="Create a room" onClose={onClose}>
      {() => (
        <form className="form" onSubmit={(e) => run(e, firstIssue(roomNameSchema.safeParse(name)))} noValidate>
          <div className="field">
            <label htmlFor={`${id}-name`}>Room name</label>
            <input
              id={`${id}-name`}
              value={name}
              autoFocus
              maxLength={64}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-error` : undefined}
              onChange={(e) => setName(e.target.value)}
            />
          </div>
          <fieldset className="field">
            <legend>Who can join</legend>
            <label className="radio">
              <input type="radio" name="visibility" checked={visibility === 'public'} onChange={() => setVisibility('public')} />
              Public: anyone can find and join it
            </label>
            <label className="radio">
              <input type="radio" name="visibility" checked={visibility === 'private'} onChange={() => setVisibility('private')} />
              Private: only people you invite
            </label>
          </fieldset>
          {error && (
            <p id={`${id}-error`} className="field-error" role="alert">
              {error}
            </p>
          )}
          <div className="form__actions">
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="button button--primary" disabled={busy}>
              Create room
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}

/** A form asking for one username: inviting someone, or starting a direct conversation. */
export function UsernameDialog({
  title,
  submitLabel,
  description,
  onSubmit,
  onClose,
  onDone,
}: {
  title: string;
  submitLabel: string;
  description: string;
  onSubmit: (username: string) => Promise<unknown>;
  onClose: () => void;
  onDone: () => void;
}) {
  const id = useId();
  const [username, setUsername] = useState('');
  const { busy, error, setError, run } = useSubmit(() => onSubmit(username.trim()), onDone);
  useEffect(() => setError(undefined), [username, setError]);
  return (
    <Modal title={title} onClose={onClose}>
      {() => (
        <form className="form" onSubmit={(e) => run(e, firstIssue(usernameSchema.safeParse(username.trim())))} noValidate>
          <p className="form__description">{description}</p>
          <div className="field">
            <label htmlFor={`${id}-username`}>Username</label>
            <input
              id={`${id}-username`}
              value={username}
              autoFocus
              autoComplete="off"
              autoCapitalize="none"
              spellCheck={false}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-error` : undefined}
              onChange={(e) => setUsername(e.target.value)}
            />
          </div>
          {error && (
            <p id={`${id}-error`} className="field-error" role="alert">
              {error}
            </p>
          )}
          <div className="form__actions">
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="button button--primary" disabled={busy}>
              {submitLabel}
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}

/** Lists the public rooms I am not in, each with a Join button. */
export function BrowseRoomsDialog({
  loadRooms,
  onJoin,
  onClose,
  onJoined,
}: {
  loadRooms: () => Promise<Room[]>;
  onJoin: (roomId: string) => Promise<Room>;
  onClose: () => void;
  onJoined: (room: Room) => void;
}) {
  const [rooms, setRooms] = useState<Room[]>();
  const [error, setError] = useState<string>();
  const [joining, setJoining] = useState<string>();
  const [filter, setFilter] = useState('');
  const id = useId();
  useEffect(() => {
    let current = true;
    loadRooms().then(
      (loaded) => current && setRooms(loaded),
      (caught: unknown) => current && setError(errorText(caught)),
    );
    return () => {
      current = false;
    };
  }, [loadRooms]);
  const join = async (room: Room) => {
    setJoining(room.id);
    setError(undefined);
    try {
      onJoined(await onJoin(room.id));
    } catch (caught) {
      setError(caught instanceof ApiError ? errorText(caught) : 'Could not join the room.');
      setJoining(undefined);
    }
  };
  const shown = rooms?.filter((r) => r.name.toLowerCase().includes(filter.trim().toLowerCase()));
  return (
    <Modal title="Browse public rooms" onClose={onClose}>
      {() => (
        <div className="form">
          <div className="field">
            <label htmlFor={`${id}-filter`}>Filter rooms</label>
            <input id={`${id}-filter`} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} autoFocus />
          </div>
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
          {!rooms && !error && <p role="status">Loading rooms…</p>}
          {shown && shown.length === 0 && <p>No public rooms to join{filter ? ' with that name' : ''}.</p>}
          {shown && shown.length > 0 && (
            <ul className="room-directory" aria-label="Public rooms">
              {shown.map((room) => (
                <li key={room.id}>
                  <span className="room-directory__name"># {room.name}</span>
                  <span className="room-directory__count">
                    {room.memberCount} {room.memberCount === 1 ? 'member' : 'members'}
                  </span>
                  <button
                    type="button"
                    className="button button--primary"
                    aria-label={`Join ${room.name}`}
                    disabled={joining !== undefined}
                    onClick={() => join(room)}
                  >
                    {joining === room.id ? 'Joining…' : 'Join'}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </Modal>
  );
}
