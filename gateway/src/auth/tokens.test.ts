import { AppError } from '@chat/service-kit';
import { createTokenService } from './tokens';

const user = { id: '0190f5a2-8c4e-7000-8000-000000000001', username: 'alice' };
const sessionId = '0190f5a2-8c4e-7000-8000-0000000000aa';

/** The error code a verify throws, or 'ok'. */
const outcome = (verify: () => unknown): string => {
  try {
    verify();
    return 'ok';
  } catch (error) {
    return error instanceof AppError ? `${error.code}: ${error.message}` : String(error);
  }
};

describe('token verification remembered per token', () => {
  afterEach(() => jest.useRealTimers());

  it('answers a token verified before with the same claims, each time a copy of its own', () => {
    const tokens = createTokenService({ user: ['a-secret-of-at-least-32-characters!!'], service: [] }, 600);
    const token = tokens.issue(user, sessionId);
    const first = tokens.verify(token);
    const second = tokens.verify(token);
    expect(second).toEqual({ ...user, role: 'user', sessionId });
    expect(second).toEqual(first);
    second.username = 'mallory';
    expect(tokens.verify(token).username).toBe('alice');
  });

  it('refuses a remembered token once it has expired', () => {
    jest.useFakeTimers({ now: new Date('2026-12-02T05:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
    const tokens = createTokenService({ user: ['a-secret-of-at-least-32-characters!!'], service: [] }, 60);
    const token = tokens.issue(user, sessionId);
    expect(outcome(() => tokens.verify(token))).toBe('ok');
    jest.setSystemTime(new Date('2026-12-02T05:00:59.900Z'));
    expect(outcome(() => tokens.verify(token))).toBe('ok');
    jest.setSystemTime(new Date('2026-12-02T05:01:00.000Z'));
    expect(outcome(() => tokens.verify(token))).toBe('UNAUTHORIZED: token expired: log in again');
  });

  it('verifies any other text afresh: a changed payload under a remembered signature is refused', () => {
    const tokens = createTokenService({ user: ['a-secret-of-at-least-32-characters!!'], service: [] }, 600);
    const token = tokens.issue(user, sessionId);
    tokens.verify(token);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = [header, Buffer.from(JSON.stringify({ ...claims, name: 'admin' })).toString('base64url'), signature].join('.');
    expect(outcome(() => tokens.verify(forged))).toBe('UNAUTHORIZED: invalid token');
    // Another gateway's key (or a rotated-out one) is not trusted because the text was once valid elsewhere.
    const other = createTokenService({ user: ['another-secret-of-at-least-32-chars!!'], service: [] }, 600);
    expect(outcome(() => other.verify(token))).toBe('UNAUTHORIZED: invalid token');
  });
});
