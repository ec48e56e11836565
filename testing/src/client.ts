import crypto from 'node:crypto';
import { type ChatClient, type ChatClientOptions, type ChatSocket, createChatClient, createChatSocket, nextConnection, openChatClient } from '@chat/client';
import type { AuthResponse, ErrorResponse, Room, ServerToClientEvents } from '@chat/protocol';

export type { ChatClient, ChatSocket };

export interface ApiResult<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** A JSON request to the REST API. */
export async function api<T = unknown>(
  baseUrl: string,
  method: string,
  urlPath: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string } = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) {
    body = options.rawBody;
    headers['content-type'] ??= 'application/json';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${baseUrl}${urlPath}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text, the test asserts on it
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

export type ApiError = ErrorResponse;

/** Registers a fresh user (random name unless given) and returns its token and user. */
export async function registerUser(baseUrl: string, username = `u${crypto.randomBytes(5).toString('hex')}`, password = 'correct horse battery'): Promise<AuthResponse & { password: string }> {
  const result = await api<AuthResponse>(baseUrl, 'POST', '/api/auth/register', { body: { username, password } });
  if (result.status !== 201) throw new Error(`register ${username}: ${result.status} ${JSON.stringify(result.body)}`);
  return { ...result.body, password };
}

export interface ConnectOptions {
  /** Pin the socket to this gateway id through nginx's affinity cookie. */
  gateway?: string;
  /** Reconnect automatically (default false: tests decide). */
  reconnection?: boolean;
}

/** Opens an authenticated Socket.IO connection (WebSocket only) and waits until it is connected. */
export async function connectSocket(baseUrl: string, token: string | undefined, options: ConnectOptions = {}): Promise<ChatSocket> {
  const socket = createSocket(baseUrl, token, options);
  await nextConnection(socket).catch((error: unknown) => {
    socket.close();
    throw error;
  });
  return socket;
}

/** Where a test client connects: the options of `@chat/client` a test needs to set. */
function socketOptions(baseUrl: string, token: string | undefined, gateway: string | undefined): ChatClientOptions {
  return {
    url: baseUrl,
    token: () => token,
    transports: ['websocket'],
    extraHeaders: gateway ? { cookie: `chat_gw=${gateway}` } : undefined,
  };
}

/**
 * A bare socket, connecting now, without the shipped client's retries (for tests of the handshake
 * itself and of one gateway's behaviour, where a client that heals by itself would hide what happened).
 */
export function createSocket(baseUrl: string, token: string | undefined, options: ConnectOptions = {}): ChatSocket {
  const socket = createChatSocket({ ...socketOptions(baseUrl, token, options.gateway), reconnection: options.reconnection ?? false });
  socket.connect();
  return socket;
}

/** Options of {@link connectClient}: the shipped client's own, and the gateway to pin it to. */
export type ClientOptions = Partial<ChatClientOptions> & { gateway?: string };

/** The shipped client (`@chat/client`, as the web app and the assistant run it), not connected yet. */
export function createClient(baseUrl: string, token: string | undefined, options: ClientOptions = {}): ChatClient {
  return createChatClient({ ...socketOptions(baseUrl, token, options.gateway), ...options });
}

/** Opens a client and resolves once it is connected; rejects (and closes it) on the first failed handshake. */
export async function openClient(client: ChatClient): Promise<ChatClient> {
  await openChatClient(client);
  return client;
}

/** The shipped client through nginx, pinned to a gateway, connected (see {@link openClient}). */
export function connectClient(baseUrl: string, token: string | undefined, options: ClientOptions = {}): Promise<ChatClient> {
  return openClient(createClient(baseUrl, token, options));
}

/**
 * Resolves with the next `event` on the socket that satisfies `predicate`; rejects after `timeoutMs`
 * naming the event, so a missing delivery fails the test with a clear message.
 */
export function nextEvent<E extends keyof ServerToClientEvents>(
  socket: ChatSocket,
  event: E,
  predicate: (...args: Parameters<ServerToClientEvents[E]>) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const listener = ((...args: Parameters<ServerToClientEvents[E]>) => {
      if (!predicate(...args)) return;
      clearTimeout(timer);
      socket.off(event, listener as never);
      resolve(args[0]);
    }) as never;
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no "${String(event)}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on(event, listener);
  });
}

/** Collects every `event` the socket receives from now on. */
export function collect<E extends keyof ServerToClientEvents>(socket: ChatSocket, event: E): Parameters<ServerToClientEvents[E]>[0][] {
  const items: Parameters<ServerToClientEvents[E]>[0][] = [];
  socket.on(event, ((payload: Parameters<ServerToClientEvents[E]>[0]) => items.push(payload)) as never);
  return items;
}

/** Polls an async condition (a database row appearing, a count reaching N) until true or timeout. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await read();
  }
  return last;
}

/**
 * Brings `invitee` into a room the way people do: a member invites it, it accepts. Throws naming the
 * step that failed; returns the room as the invitee sees it.
 */
export async function inviteAndAccept(baseUrl: string, inviterToken: string, roomId: string, invitee: { token: string; user: { username: string } }): Promise<Room> {
  const invited = await api(baseUrl, 'POST', `/api/rooms/${roomId}/members`, { token: inviterToken, body: { username: invitee.user.username } });
  if (invited.status !== 201) throw new Error(`invite ${invitee.user.username}: ${invited.status} ${JSON.stringify(invited.body)}`);
  const accepted = await api<{ room: Room }>(baseUrl, 'POST', `/api/invitations/${roomId}/accept`, { token: invitee.token });
  if (accepted.status !== 200) throw new Error(`accept: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  return accepted.body.room;
}
