import { passwordSchema, type SessionInfo } from '@chat/protocol';
import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import type { ChatApi } from '../api/chat-api';
import { errorText } from './error-text';
import { formatTime } from './format-time';
import { Modal } from './modal';
import { ProfileForm } from '../rooms/profile';

/** What the account dialog does through the API. */
export type AccountApi = Pick<ChatApi, 'sessions' | 'endSession' | 'logoutEverywhere' | 'changePassword' | 'profile' | 'updateProfile' | 'createAvatarUpload'>;

/**
 * My account: my profile (display name, status), where I am signed in (each session can be signed out), signing out everywhere, and a
 * password change, which signs out every other session.
 */
export function AccountDialog({ api, myId, onClose, onSignedOut }: { api: AccountApi; myId: string; onClose: () => void; onSignedOut: () => void }) {
  const [sessions, setSessions] = useState<SessionInfo[]>();
  const [error, setError] = useState<string>();
  const load = useCallback(() => api.sessions().then(setSessions, (caught: unknown) => setError(errorText(caught))), [api]);
  useEffect(() => void load(), [load]);

  const act = (action: () => Promise<void>, after: () => void) => () =>
    void action().then(after, (caught: unknown) => setError(errorText(caught)));

  return (
    <Modal title="Account" onClose={onClose}>
      {() => (
        <div className="account">
          <ProfileForm api={api} myId={myId} />
          <section aria-labelledby="account-sessions">
            <h3 id="account-sessions">Where you are signed in</h3>
            {!sessions && !error && <p>Loading…</p>}
            <ul className="account__sessions" aria-label="Sessions">
              {sessions?.map((s) => (
                <li key={s.id} className="account__session">
                  <span>
                    <strong>{describeDevice(s.userAgent)}</strong>
                    {s.current && ' (this device)'}
                    <br />
                    <small>
                      {s.address || 'unknown address'} · last active {formatTime(new Date(s.lastSeenAt))}
                    </small>
                  </span>
                  {!s.current && (
                    <button type="button" className="button button--small" onClick={act(() => api.endSession(s.id), () => void load())}>
                      Sign out
                    </button>
                  )}
                </li>
              ))}
            </ul>
            <button type="button" className="button" onClick={act(() => api.logoutEverywhere(), onSignedOut)}>
              Sign out everywhere
            </button>
          </section>
          <PasswordForm api={api} onChanged={() => void load()} />
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

/** The password change form: the current password, then the new one. */
function PasswordForm({ api, onChanged }: { api: AccountApi; onChanged: () => void }) {
  const id = useId();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [status, setStatus] = useState<{ error?: string; done?: boolean }>({});
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problem = passwordSchema.safeParse(newPassword);
    if (!problem.success) return setStatus({ error: `New ${problem.error.issues[0]?.message ?? 'password is not valid'}` });
    setBusy(true);
    try {
      await api.changePassword({ currentPassword, newPassword });
      setCurrent('');
      setNew('');
      setStatus({ done: true });
      onChanged();
    } catch (caught) {
      setStatus({ error: errorText(caught) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form" aria-labelledby={`${id}-title`} onSubmit={(e) => void submit(e)} noValidate>
      <h3 id={`${id}-title`}>Change password</h3>
      <div className="field">
        <label htmlFor={`${id}-current`}>Current password</label>
        <input id={`${id}-current`} type="password" autoComplete="current-password" value={currentPassword} onChange={(e) => setCurrent(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-new`}>New password</label>
        <input id={`${id}-new`} type="password" autoComplete="new-password" value={newPassword} onChange={(e) => setNew(e.target.value)} />
      </div>
      {status.error && (
        <p className="field-error" role="alert">
          {status.error}
        </p>
      )}
      {status.done && <p role="status">Password changed. Every other session was signed out.</p>}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          Change password
        </button>
      </div>
    </form>
  );
}

/** A short name for a user agent ("Chrome on Linux"), or the raw string when it is not a browser's. */
export function describeDevice(userAgent: string): string {
  if (!userAgent) return 'Unknown device';
  const browser = /Edg\//.test(userAgent) ? 'Edge' : /Firefox\//.test(userAgent) ? 'Firefox' : /Chrom(e|ium)\//.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : undefined;
  const system = /Android/.test(userAgent) ? 'Android' : /iPhone|iPad/.test(userAgent) ? 'iOS' : /Windows/.test(userAgent) ? 'Windows' : /Mac OS X/.test(userAgent) ? 'macOS' : /Linux/.test(userAgent) ? 'Linux' : undefined;
  if (!browser) return userAgent.slice(0, 60);
  return system ? `${browser} on ${system}` : browser;
}
