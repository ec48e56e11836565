/** @jest-environment jsdom */
import { act, render, screen } from '@testing-library/react';
import { ann } from '../test-support/factories';
import { EXPIRED_NOTICE, useSession } from './use-session';

const base64url = (value: object) =>
  btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const tokenExpiringAt = (ms: number) => `${base64url({ alg: 'HS256' })}.${base64url({ exp: ms / 1000 })}.sig`;

function Probe() {
  const { session, notice } = useSession(localStorage);
  return <p>{session ? `signed in as ${session.user.username}` : `signed out: ${notice ?? ''}`}</p>;
}

describe('useSession', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-11-27T12:00:00Z') });
    localStorage.clear();
  });
  afterEach(() => jest.useRealTimers());

  it('restores the session after a reload and ends it when the token expires', () => {
    const expiresAt = Date.now() + 60_000;
    localStorage.setItem('chat.session', JSON.stringify({ token: tokenExpiringAt(expiresAt), user: ann }));
    render(<Probe />);
    expect(screen.getByText('signed in as ann')).toBeTruthy();
    act(() => void jest.advanceTimersByTime(59_000));
    expect(screen.getByText('signed in as ann')).toBeTruthy();
    act(() => void jest.advanceTimersByTime(1_000));
    expect(screen.getByText(`signed out: ${EXPIRED_NOTICE}`)).toBeTruthy();
    expect(localStorage.getItem('chat.session')).toBeNull();
  });

  it('does not restore an expired session', () => {
    localStorage.setItem('chat.session', JSON.stringify({ token: tokenExpiringAt(Date.now() - 1), user: ann }));
    render(<Probe />);
    expect(screen.getByText('signed out:')).toBeTruthy();
  });
});
