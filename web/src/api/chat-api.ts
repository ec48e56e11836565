import type {
  RoomActivity,
  RoomActivityResponse,
  AuthResponse,
  ChatMessage,
  Credentials,
  CreateRoomInput,
  FeaturesResponse,
  FileUrlResponse,
  Invitation,
  InvitationResponse,
  InvitationsResponse,
  MeResponse,
  MembersPageResponse,
  InviteResponse,
  InvitesResponse,
  InvitePreviewResponse,
  RoomInvite,
  RoomMember,
  RoomMemberResponse,
  RoomSettingsInput,
  MessagesResponse,
  MyRoom,
  MyRoomsResponse,
  PasswordChange,
  ProfileInput,
  PublicUser,
  Room,
  RoomResponse,
  RoomPreferences,
  RoomPreferencesResponse,
  RoomsResponse,
  SearchResponse,
  SessionInfo,
  SessionsResponse,
  UploadResponse,
  MultipartUploadResponse,
  PartUrlsResponse,
  UploadedPartsResponse,
  UserProfile,
  UserProfileResponse,
} from '@chat/protocol';
import { SESSION_ROUTES } from '@chat/protocol';
import { ApiError, errorFromResponse } from './api-error';

/** How the API client learns the session's token and tells the app that the server rejected it. */
export interface ApiClientOptions {
  /** Prefix of every path; '' for the same origin (nginx serves the app and the API together). */
  baseUrl?: string;
  getToken: () => string | undefined;
  /**
   * Obtains a fresh access token after a 401 (the access token expired); resolves whether it did. The
   * call is then made once more; without it, or when it fails, `onUnauthorized`.
   */
  refresh?: () => Promise<boolean>;
  /** Called when an authenticated call is answered 401 and no fresh token could be had: the session ended. */
  onUnauthorized?: () => void;
  fetch?: typeof fetch;
}

/** The typed REST API of the gateway, one method per route. */
export type ChatApi = ReturnType<typeof createChatApi>;

/** Creates the REST client. Errors are thrown as ApiError with the protocol's code. */
export function createChatApi(options: ApiClientOptions) {
  const baseUrl = options.baseUrl ?? '';
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));

  async function request<T>(method: string, path: string, body?: unknown, authenticated = true, retried = false): Promise<T> {
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
      if (authenticated && error.code === 'UNAUTHORIZED') {
        if (!retried && options.refresh && (await options.refresh().catch(() => false))) return request<T>(method, path, body, authenticated, true);
        options.onUnauthorized?.();
      }
      throw error;
    }
    return parsed as T;
  }

  const room = (id: string) => `/api/rooms/${encodeURIComponent(id)}`;

  return {
    register: (credentials: Credentials) =>
      request<AuthResponse>('POST', '/api/auth/register', credentials, false),
    login: (credentials: Credentials) => request<AuthResponse>('POST', '/api/auth/login', credentials, false),
    /** My active sessions (this one flagged `current`). */
    sessions: async (): Promise<SessionInfo[]> => (await request<SessionsResponse>('GET', SESSION_ROUTES.sessions)).sessions,
    /** Signs one of my sessions out (its sockets are disconnected at once). */
    endSession: async (sessionId: string): Promise<void> => {
      await request<void>('DELETE', `${SESSION_ROUTES.sessions}/${encodeURIComponent(sessionId)}`);
    },
    /** Signs out every session of mine, this one included. */
    logoutEverywhere: async (): Promise<void> => {
      await request<void>('POST', SESSION_ROUTES.logoutAll);
    },
    /** Changes my password (the current one proves it is me); every other session is signed out. */
    changePassword: async (change: PasswordChange): Promise<void> => {
      await request<void>('POST', SESSION_ROUTES.password, change);
    },
    /** What this deployment offers (the room assistant, ...); public, asked before or after login. */
    features: () => request<FeaturesResponse>('GET', '/api/features', undefined, false),
    me: async (): Promise<PublicUser> => (await request<MeResponse>('GET', '/api/me')).user,
    profile: async (userId: string): Promise<UserProfile> => (await request<UserProfileResponse>('GET', `/api/users/${encodeURIComponent(userId)}`)).user,
    updateProfile: async (change: ProfileInput): Promise<UserProfile> => (await request<UserProfileResponse>('PATCH', '/api/me', change)).user,
    myRooms: async (): Promise<MyRoom[]> => (await request<MyRoomsResponse>('GET', '/api/rooms')).rooms,
    publicRooms: async (): Promise<Room[]> => (await request<RoomsResponse>('GET', '/api/rooms/public')).rooms,
    createRoom: async (input: CreateRoomInput): Promise<Room> =>
      (await request<RoomResponse>('POST', '/api/rooms', input)).room,
    joinRoom: async (roomId: string): Promise<Room> =>
      (await request<RoomResponse>('POST', `${room(roomId)}/join`)).room,
    /** The room's timeline of membership and moderation changes (the newest 100, oldest first). */
    /** The newest page of the room's timeline, or the page before the entry `before`, oldest first. */
    roomActivity: async (roomId: string, before?: string): Promise<RoomActivity[]> =>
      (await request<RoomActivityResponse>('GET', `${room(roomId)}/activity${before ? `?before=${encodeURIComponent(before)}` : ''}`)).activity,
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
      (await request<MembersPageResponse>('GET', `${room(roomId)}/members?limit=200`)).members,
    /** A page of members with role, presence and profile, online first (issue 16). */
    membersPage: async (roomId: string, q = '', cursor?: string): Promise<MembersPageResponse> => {
      const query = new URLSearchParams({ limit: '100' });
      if (q) query.set('q', q);
      if (cursor) query.set('cursor', cursor);
      return request<MembersPageResponse>('GET', `${room(roomId)}/members?${query}`);
    },
    updateRoom: async (roomId: string, settings: RoomSettingsInput): Promise<Room> => (await request<RoomResponse>('PATCH', room(roomId), settings)).room,
    archiveRoom: async (roomId: string): Promise<Room> => (await request<RoomResponse>('POST', `${room(roomId)}/archive`)).room,
    setRole: async (roomId: string, userId: string, role: 'admin' | 'member'): Promise<RoomMember> =>
      (await request<RoomMemberResponse>('PATCH', `${room(roomId)}/members/${encodeURIComponent(userId)}`, { role })).member,
    transfer: async (roomId: string, userId: string): Promise<Room> => (await request<RoomResponse>('POST', `${room(roomId)}/transfer`, { userId })).room,
    kick: async (roomId: string, userId: string): Promise<void> => {
      await request<void>('DELETE', `${room(roomId)}/members/${encodeURIComponent(userId)}`);
    },
    ban: async (roomId: string, userId: string, reason: string): Promise<void> => {
      await request<unknown>('POST', `${room(roomId)}/bans`, { userId, reason });
    },
    mute: async (roomId: string, userId: string, until: string | null): Promise<RoomMember> =>
      (await request<RoomMemberResponse>('POST', `${room(roomId)}/mutes`, { userId, until })).member,
    createInvite: async (roomId: string, maxUses?: number, expiresIn?: number): Promise<RoomInvite> =>
      (await request<InviteResponse>('POST', `${room(roomId)}/invites`, { maxUses, expiresIn })).invite,
    /** The room's live invite links (admin+): uses, limits, expiry; codes are shown only when created. */
    invites: async (roomId: string): Promise<RoomInvite[]> => (await request<InvitesResponse>('GET', `${room(roomId)}/invites`)).invites,
    /** Revokes an invite link (by its id): it stops working at once. */
    revokeInvite: async (roomId: string, inviteId: string): Promise<void> => {
      await request<void>('DELETE', `${room(roomId)}/invites/${encodeURIComponent(inviteId)}`);
    },
    /** What an invite link leads to (room name, member count); public, so a logged-out visitor sees it. */
    invitePreview: (code: string): Promise<InvitePreviewResponse> =>
      request<InvitePreviewResponse>('GET', `/api/invites/${encodeURIComponent(code)}`, undefined, false),
    /** Joins the room an invite link leads to (a member already: just the room). */
    acceptInvite: async (code: string): Promise<Room> =>
      (await request<RoomResponse>('POST', `/api/invites/${encodeURIComponent(code)}/accept`)).room,
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
    /** A page of history centred on a message (`around`, a permalink) or starting just after one (`after`). */
    historyPage: async (roomId: string, query: { around?: string; after?: string; limit: number }): Promise<ChatMessage[]> => {
      const params = new URLSearchParams({ limit: String(query.limit) });
      if (query.around) params.set('around', query.around);
      if (query.after) params.set('after', query.after);
      return (await request<MessagesResponse>('GET', `${room(roomId)}/messages?${params}`)).messages;
    },
    /** The newest `limit` replies of a thread (or those before `before`), oldest first. */
    thread: async (roomId: string, parentId: string, limit: number, before?: string): Promise<ChatMessage[]> => {
      const query = new URLSearchParams({ limit: String(limit), parentId });
      if (before) query.set('before', before);
      return (await request<MessagesResponse>('GET', `${room(roomId)}/messages?${query}`)).messages;
    },
    /** Asks to upload a file into the room: a presigned URL that takes exactly these bytes. */
    createUpload: async (roomId: string, file: { name: string; size: number; contentType: string }): Promise<UploadResponse['upload']> =>
      (await request<UploadResponse>('POST', `${room(roomId)}/uploads`, file)).upload,
    /** Asks to upload a large file into the room in parts (then `partUrls`, PUT each part, `completeUpload`). */
    createMultipartUpload: async (roomId: string, file: { name: string; size: number; contentType: string }): Promise<MultipartUploadResponse['upload']> =>
      (await request<MultipartUploadResponse>('POST', `${room(roomId)}/uploads/multipart`, file)).upload,
    /** Presigned URLs for these parts (1-based) of a multipart upload of mine. */
    partUrls: async (uploadId: string, partNumbers: number[]): Promise<PartUrlsResponse> =>
      request<PartUrlsResponse>('POST', `/api/uploads/${encodeURIComponent(uploadId)}/parts`, { partNumbers }),
    /** The parts the store holds already (a resumed upload sends only the others). */
    uploadedParts: async (uploadId: string): Promise<UploadedPartsResponse['parts']> =>
      (await request<UploadedPartsResponse>('GET', `/api/uploads/${encodeURIComponent(uploadId)}/parts`)).parts,
    /** Joins the parts into the file (every part must be there). */
    completeUpload: async (uploadId: string): Promise<void> => {
      await request<void>('POST', `/api/uploads/${encodeURIComponent(uploadId)}/complete`);
    },
    /** Asks to upload my next avatar: a presigned URL that takes exactly these bytes (then `updateProfile({avatarId})`). */
    createAvatarUpload: async (picture: { size: number; contentType: string }): Promise<UploadResponse['upload']> =>
      (await request<UploadResponse>('POST', '/api/me/avatar/uploads', picture)).upload,
    /** A link to someone's avatar, for any signed-in user (valid about an hour). */
    avatarUrl: (userId: string) => request<FileUrlResponse>('GET', `/api/users/${encodeURIComponent(userId)}/avatar/url`),
    /** A short-lived link to a file (or its thumbnail); members of its room only. */
    fileUrl: (fileId: string, variant: 'file' | 'thumbnail' = 'file') =>
      request<FileUrlResponse>('GET', `/api/files/${encodeURIComponent(fileId)}/url${variant === 'thumbnail' ? '?variant=thumbnail' : ''}`),
  };
}
