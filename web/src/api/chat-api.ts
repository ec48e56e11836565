import type {
  AuthResponse,
  ChatMessage,
  Credentials,
  CreateRoomInput,
  FeaturesResponse,
  Invitation,
  InvitationResponse,
  InvitationsResponse,
  MeResponse,
  MembersResponse,
  MessagesResponse,
  MyRoom,
  MyRoomsResponse,
  PublicUser,
  Room,
  RoomResponse,
  RoomPreferences,
  RoomPreferencesResponse,
  RoomsResponse,
  SearchResponse,
} from '@chat/protocol';
import { ApiError, errorFromResponse } from './api-error';

/** How the API client learns the session's token and tells the app that the server rejected it. */
export interface ApiClientOptions {
  /** Prefix of every path; '' for the same origin (nginx serves the app and the API together). */
  baseUrl?: string;
  getToken: () => string | undefined;
  /** Called when an authenticated call is answered 401: the token expired or was revoked. */
  onUnauthorized?: () => void;
  fetch?: typeof fetch;
}

/** The typed REST API of the gateway, one method per route. */
export type ChatApi = ReturnType<typeof createChatApi>;

/** Creates the REST client. Errors are thrown as ApiError with the protocol's code. */
export function createChatApi(options: ApiClientOptions) {
  const baseUrl = options.baseUrl ?? '';
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));

  async function request<T>(method: string, path: string, body?: unknown, authenticated = true): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const token = authenticated ? options.getToken() : undefined;
    if (token) headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError('UNAVAILABLE', 'Cannot reach the server. Check your connection and try again.');
    }
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a proxy's error page): the status decides the error below.
    }
    if (!response.ok) {
      const error = errorFromResponse(response.status, parsed);
      if (authenticated && error.code === 'UNAUTHORIZED') options.onUnauthorized?.();
      throw error;
    }
    return parsed as T;
  }

  const room = (id: string) => `/api/rooms/${encodeURIComponent(id)}`;

  return {
    register: (credentials: Credentials) =>
      request<AuthResponse>('POST', '/api/auth/register', credentials, false),
    login: (credentials: Credentials) => request<AuthResponse>('POST', '/api/auth/login', credentials, false),
    /** What this deployment offers (the room assistant, ...); public, asked before or after login. */
    features: () => request<FeaturesResponse>('GET', '/api/features', undefined, false),
    me: async (): Promise<PublicUser> => (await request<MeResponse>('GET', '/api/me')).user,
    myRooms: async (): Promise<MyRoom[]> => (await request<MyRoomsResponse>('GET', '/api/rooms')).rooms,
    publicRooms: async (): Promise<Room[]> => (await request<RoomsResponse>('GET', '/api/rooms/public')).rooms,
    createRoom: async (input: CreateRoomInput): Promise<Room> =>
      (await request<RoomResponse>('POST', '/api/rooms', input)).room,
    joinRoom: async (roomId: string): Promise<Room> =>
      (await request<RoomResponse>('POST', `${room(roomId)}/join`)).room,
    leaveRoom: async (roomId: string): Promise<void> => {
      await request<void>('POST', `${room(roomId)}/leave`);
    },
    /** Invites a user to a room of mine: it joins only by accepting. */
    invite: async (roomId: string, username: string): Promise<Invitation> =>
      (await request<InvitationResponse>('POST', `${room(roomId)}/members`, { username })).invitation,
    /** My pending invitations. */
    invitations: async (): Promise<Invitation[]> => (await request<InvitationsResponse>('GET', '/api/invitations')).invitations,
    acceptInvitation: async (roomId: string): Promise<Room> =>
      (await request<RoomResponse>('POST', `/api/invitations/${encodeURIComponent(roomId)}/accept`)).room,
    declineInvitation: async (roomId: string): Promise<void> => {
      await request<void>('POST', `/api/invitations/${encodeURIComponent(roomId)}/decline`);
    },
    members: async (roomId: string): Promise<PublicUser[]> =>
      (await request<MembersResponse>('GET', `${room(roomId)}/members`)).members,
    openDirect: async (username: string): Promise<Room> =>
      (await request<RoomResponse>('POST', '/api/dm', { username })).room,
    /** A page of history, oldest first, ending just before `before` (or at the newest message). */
    history: async (roomId: string, before: string | undefined, limit: number): Promise<ChatMessage[]> => {
      const query = new URLSearchParams({ limit: String(limit) });
      if (before) query.set('before', before);
      return (await request<MessagesResponse>('GET', `${room(roomId)}/messages?${query}`)).messages;
    },
    /** My notification preferences for a room. */
    setPreferences: async (roomId: string, preferences: RoomPreferences): Promise<RoomPreferences> =>
      (await request<RoomPreferencesResponse>('PUT', `${room(roomId)}/preferences`, preferences)).preferences,
    /** Full-text search over my rooms (`next` of a page is the `before` of the next one). */
    search: (q: string, options: { roomId?: string; before?: string } = {}): Promise<SearchResponse> => {
      const query = new URLSearchParams({ q });
      if (options.roomId) query.set('roomId', options.roomId);
      if (options.before) query.set('before', options.before);
      return request<SearchResponse>('GET', `/api/search?${query}`);
    },
    /** The newest `limit` replies of a thread, oldest first. */
    thread: async (roomId: string, parentId: string, limit: number): Promise<ChatMessage[]> => {
      const query = new URLSearchParams({ limit: String(limit), parentId });
      return (await request<MessagesResponse>('GET', `${room(roomId)}/messages?${query}`)).messages;
    },
  };
}
