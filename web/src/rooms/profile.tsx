import type { UserProfile } from '@chat/protocol';
import { useEffect, useId, useState, type FormEvent } from 'react';
import type { ChatApi } from '../api/chat-api';
import { Avatar } from '../ui/avatar';
import { AvatarEditor } from '../ui/avatar-editor';
import { errorText } from '../ui/error-text';
import { Modal } from '../ui/modal';

export type ProfileApi = Pick<ChatApi, 'profile' | 'updateProfile'>;
/** The Account dialog's profile form also uploads the avatar. */
export type ProfileFormApi = ProfileApi & Pick<ChatApi, 'createAvatarUpload'>;

/** My picture, display name and status (PATCH /api/me): an empty field clears it. In the Account dialog. */
export function ProfileForm({ api, myId }: { api: ProfileFormApi; myId: string }) {
  const id = useId();
  const [profile, setProfile] = useState<UserProfile>();
  const [displayName, setDisplayName] = useState('');
  const [status, setStatus] = useState('');
  const [note, setNote] = useState<{ error?: string; done?: boolean }>({});
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void api.profile(myId).then(
      (p) => {
        setProfile(p);
        setDisplayName(p.displayName ?? '');
        setStatus(p.status?.text ?? '');
      },
      (caught: unknown) => setNote({ error: errorText(caught) }),
    );
  }, [api, myId]);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const saved = await api.updateProfile({ displayName: displayName.trim() || null, status: status.trim() ? { text: status.trim() } : null });
      setDisplayName(saved.displayName ?? '');
      setStatus(saved.status?.text ?? '');
      setNote({ done: true });
    } catch (caught) {
      setNote({ error: errorText(caught) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form" aria-labelledby={`${id}-title`} onSubmit={(e) => void submit(e)} noValidate>
      <h3 id={`${id}-title`}>Profile</h3>
      {profile && <AvatarEditor api={api} profile={profile} onSaved={setProfile} />}
      <div className="field">
        <label htmlFor={`${id}-name`}>Display name</label>
        <input id={`${id}-name`} value={displayName} maxLength={64} onChange={(e) => setDisplayName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-status`}>Status</label>
        <input id={`${id}-status`} value={status} maxLength={100} placeholder="In a meeting" onChange={(e) => setStatus(e.target.value)} />
      </div>
      {note.error && (
        <p className="field-error" role="alert">
          {note.error}
        </p>
      )}
      {note.done && <p role="status">Profile saved.</p>}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          Save profile
        </button>
      </div>
    </form>
  );
}

/** Someone's public profile (GET /api/users/:id), with "Message" to open our direct conversation. */
export function ProfileCard({ api, userId, isMe, onMessage, onClose }: { api: ProfileApi; userId: string; isMe: boolean; onMessage: (username: string) => Promise<void>; onClose: () => void }) {
  const [profile, setProfile] = useState<UserProfile>();
  const [error, setError] = useState<string>();
  useEffect(() => void api.profile(userId).then(setProfile, (caught: unknown) => setError(errorText(caught))), [api, userId]);
  return (
    <Modal title={profile ? (profile.displayName ?? profile.username) : 'Profile'} onClose={onClose}>
      {() => (
        <div className="profile-card">
          {!profile && !error && <p>Loading…</p>}
          {profile && (
            <>
              <Avatar user={profile} className="profile-card__avatar" />
              <p className="profile-card__username">@{profile.username}</p>
              {profile.status && <p className="profile-card__status">{profile.status.text}</p>}
              {!isMe && (
                <div className="form__actions">
                  <button type="button" className="button button--primary" onClick={() => void onMessage(profile.username).then(onClose, (caught: unknown) => setError(errorText(caught)))}>
                    Message
                  </button>
                </div>
              )}
            </>
          )}
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
        </div>
      )}
    </Modal>
  );
}
