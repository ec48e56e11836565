import { ApiError } from './api-error';
import { createChatApi } from './chat-api';

type Call = { url: string; init: RequestInit };

/** A fetch that answers every call with `status` and `body`, recording the calls. */
function fakeFetch(status: number, body: unknown) {
  const calls: Call[] = [];
  const fetch = async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return new Response(status === 204 ? null : text, { status, headers: { 'content-type': 'application/json' } });
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

const header = (call: Call | undefined, name: string) => (call?.init.headers as Record<string, string>)[name];

describe('createChatApi', () => {
  it('sends the bearer token on authenticated routes and reads the answer', async () => {
    const { fetch, calls } = fakeFetch(200, { rooms: [{ id: 'r1' }] });
    const api = createChatApi({ getToken: () => 'tok', fetch });
    await expect(api.myRooms()).resolves.toEqual([{ id: 'r1' }]);
    expect(calls[0]?.url).toBe('/api/rooms');
    expect(header(calls[0], 'authorization')).toBe('Bearer tok');
  });

  it('sends no token to login and register', async () => {
    const { fetch, calls } = fakeFetch(200, { token: 't', user: { id: 'u', username: 'ann' } });
    const api = createChatApi({ getToken: () => 'old', fetch });
    await api.login({ username: 'ann', password: 'secret123' });
    expect(header(calls[0], 'authorization')).toBeUndefined();
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ username: 'ann', password: 'secret123' });
  });

  it('builds the history query with before and limit', async () => {
    const { fetch, calls } = fakeFetch(200, { messages: [] });
    await createChatApi({ getToken: () => 't', fetch }).history('room 1', 'm-9', 50);
    expect(calls[0]?.url).toBe('/api/rooms/room%201/messages?limit=50&before=m-9');
  });

  it('throws the protocol error with its code, and reports a rejected token', async () => {
    const { fetch } = fakeFetch(401, { error: { code: 'UNAUTHORIZED', message: 'token expired' } });
    const onUnauthorized = jest.fn();
    const api = createChatApi({ getToken: () => 't', fetch, onUnauthorized });
    await expect(api.me()).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: 'token expired', status: 401 });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('does not treat wrong credentials at login as an expired session', async () => {
    const { fetch } = fakeFetch(401, { error: { code: 'UNAUTHORIZED', message: 'wrong username or password' } });
    const onUnauthorized = jest.fn();
    const api = createChatApi({ getToken: () => undefined, fetch, onUnauthorized });
    await expect(api.login({ username: 'ann', password: 'x'.repeat(8) })).rejects.toBeInstanceOf(ApiError);
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('maps a non-JSON error page to a code from its status', async () => {
    const { fetch } = fakeFetch(502, '<html>Bad Gateway</html>');
    await expect(createChatApi({ getToken: () => 't', fetch }).myRooms()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('reports an unreachable server as UNAVAILABLE', async () => {
    const fetch = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof globalThis.fetch;
    await expect(createChatApi({ getToken: () => 't', fetch }).myRooms()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('accepts 204 No Content from leave', async () => {
    const { fetch, calls } = fakeFetch(204, '');
    await expect(createChatApi({ getToken: () => 't', fetch }).leaveRoom('r1')).resolves.toBeUndefined();
    expect(calls[0]?.init.method).toBe('POST');
  });
});
