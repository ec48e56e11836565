/** @jest-environment jsdom */
import { act, render, screen } from '@testing-library/react';
import { AuthSession } from '../session/auth-session';
import { ann } from '../test-support/factories';
import { EXPIRED_NOTICE, useSession } from './use-session';

const base64url = (value: object) =>
  btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const tokenExpiringAt = (ms: number) => `${base64url({ alg: 'HS256' })}.${base64url({ exp: ms / 1000 })}.sig`;

function Probe({ auth }: { auth: AuthSession }) {
  const { session, restoring, notice } = useSession(auth);
  if (restoring) return <p>restoring</p>;
  return <p>{session ? `signed in as ${session.user.username}` : `signed out: ${notice ?? ''}`}</p>;
}

/** A refresh route that answers `status` (200: a fresh token for ann). */
const answering = (status: number) =>
  jest.fn(async () => ({
    ok: status === 200,
    status,
    json: async () => (status === 200 ? { token: tokenExpiringAt(Date.now() + 900_000), user: ann } : { error: { code: 'UNAUTHORIZED', message: 'no session' } }),
  })) as unknown as typeof fetch;

describe('useSession', () => {
  it('restores the session from the refresh cookie after a reload, keeping nothing in localStorage', async () => {
    const auth = new AuthSession({ fetch: answering(200) });
    render(<Probe auth={auth} />);
    expect(screen.getByText('restoring')).toBeTruthy();
    expect(await screen.findByText('signed in as ann')).toBeTruthy();
    expect(localStorage.length).toBe(0);
    act(() => auth.end());
  });

  it('shows the login page when the cookie holds no session, and says so when a live session ends', async () => {
    const auth = new AuthSession({ fetch: answering(401) });
    render(<Probe auth={auth} />);
    expect(await screen.findByText('signed out:')).toBeTruthy();
    act(() => void auth.start({ token: tokenExpiringAt(Date.now() + 900_000), user: ann }));
    expect(screen.getByText('signed in as ann')).toBeTruthy();
    act(() => auth.end());
    expect(screen.getByText(`signed out: ${EXPIRED_NOTICE}`)).toBeTruthy();
  });
});
