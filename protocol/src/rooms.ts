import { z } from 'zod';
import type { PublicUser, Room } from './models';
import { BIDI_CONTROLS, CONTROL_CHARS, unstorableTextProblem } from './text';
import { idSchema, roomNameSchema } from './schemas';

/**
 * Rooms with owners, moderation, settings and invite links; people with profiles (issue 16).
 * Roles rank owner > admin > member; direct conversations have no roles (null).
 */
export const ROOM_ROLES = ['owner', 'admin', 'member'] as const;
export type RoomRole = (typeof ROOM_ROLES)[number];

export const ROOM_LIMITS = {
  topicMax: 250,
  descriptionMax: 1000,
  displayNameMin: 1,
  displayNameMax: 64,
  statusMax: 100,
  banReasonMax: 500,
  membersPageDefault: 50,
  membersPageMax: 200,
  auditPageDefault: 50,
  auditPageMax: 200,
  inviteMaxUses: 10_000,
  /** The longest an invite link lives: 30 days, in seconds. */
  inviteMaxExpiresIn: 30 * 24 * 3600,
} as const;

/** One line of text people read: no control or bidirectional characters, storable. */
const plainText = (what: string, max: number, min = 0) =>
  z
    .string()
    .trim()
    .min(min, `${what} must be ${min}-${max} characters`)
    .max(max, `${what} must be at most ${max} characters`)
    .refine((s) => !CONTROL_CHARS.test(s), `${what} must not contain control characters`)
    .refine((s) => !BIDI_CONTROLS.test(s), `${what} must not contain bidirectional control characters`)
    .refine((s) => unstorableTextProblem(s) === undefined, `${what} must be well-formed Unicode without NUL`);

/** A moment in the future, ISO 8601. */
const futureDate = z.iso.datetime({ offset: true }).refine((s) => Date.parse(s) > Date.now(), 'must be in the future');

/** `PATCH /api/rooms/:id/members/:userId`: admin or member (ownership moves only by transfer). */
export const setRoleSchema = z.strictObject({ role: z.enum(['admin', 'member']) });
/** `POST /api/rooms/:id/transfer`. */
export const transferSchema = z.strictObject({ userId: idSchema });
/** `POST /api/rooms/:id/bans`: without `until`, until lifted. */
export const banSchema = z.strictObject({ userId: idSchema, reason: plainText('reason', ROOM_LIMITS.banReasonMax).default(''), until: futureDate.nullish() });
/** `POST /api/rooms/:id/mutes`: without `until` (or null), until unmuted. */
export const muteSchema = z.strictObject({ userId: idSchema, until: futureDate.nullish() });
/** `PATCH /api/rooms/:id`: any of the settings. */
export const roomSettingsSchema = z
  .strictObject({
    name: roomNameSchema.optional(),
    topic: plainText('topic', ROOM_LIMITS.topicMax).optional(),
    description: plainText('description', ROOM_LIMITS.descriptionMax).optional(),
    visibility: z.enum(['public', 'private']).optional(),
  })
  .refine((s) => Object.keys(s).length > 0, 'nothing to change: give name, topic, description or visibility');
export type RoomSettingsInput = z.infer<typeof roomSettingsSchema>;
/** `POST /api/rooms/:id/invites`: `expiresIn` in seconds; without either, a link for everyone for 7 days. */
export const createInviteSchema = z.strictObject({
  maxUses: z.number().int().min(1).max(ROOM_LIMITS.inviteMaxUses).nullish(),
  expiresIn: z.number().int().min(60).max(ROOM_LIMITS.inviteMaxExpiresIn).nullish(),
});
/** Invite codes: 32 base64url characters (192 random bits). */
export const inviteCodeSchema = z.string().regex(/^[A-Za-z0-9_-]{32}$/, 'not an invite code');
/** `PATCH /api/me`: null clears a field. */
export const profileSchema = z
  .strictObject({
    displayName: plainText('display name', ROOM_LIMITS.displayNameMax, ROOM_LIMITS.displayNameMin).nullable().optional(),
    status: z.strictObject({ text: plainText('status', ROOM_LIMITS.statusMax, 1), expiresAt: futureDate.nullish() }).nullable().optional(),
  })
  .refine((s) => s.displayName !== undefined || s.status !== undefined, 'nothing to change: give displayName or status');
export type ProfileInput = z.infer<typeof profileSchema>;
/** `GET /api/rooms/:id/members`. */
export const membersQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(ROOM_LIMITS.membersPageMax).default(ROOM_LIMITS.membersPageDefault),
  cursor: z.string().max(200).optional(),
  q: z.string().trim().max(64).optional(),
});
/** `GET /api/rooms/:id/audit`: newest first, before `before`. */
export const auditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(ROOM_LIMITS.auditPageMax).default(ROOM_LIMITS.auditPageDefault),
  before: idSchema.optional(),
});

/** A public profile: what anyone who can see the user sees. */
export interface UserProfile extends PublicUser {
  /** Shown instead of the username where set (1-64 characters). */
  displayName: string | null;
  /** A status text, gone once `expiresAt` (ISO 8601) passes. */
  status: { text: string; expiresAt: string | null } | null;
  /** Initials until images come with files; `url` is null then. */
  avatar: { initials: string; url: string | null };
}

/** One member of a room, as the members page and `member:updated` carry it. */
export interface RoomMember extends UserProfile {
  /** null in direct conversations. */
  role: RoomRole | null;
  /** Has at least one socket open, on any gateway. */
  online: boolean;
  joinedAt: string;
  /** Until when the member is muted in this room (ISO 8601), or null. */
  mutedUntil: string | null;
}

/** `GET /api/rooms/:id/members`: online first, then the rest; `nextCursor` pages on (null at the end). */
export interface MembersPageResponse {
  members: RoomMember[];
  nextCursor: string | null;
}

export interface RoomMemberResponse {
  member: RoomMember;
}

export interface UserProfileResponse {
  user: UserProfile;
}

/** Actions written to the audit log. */
export type AuditAction =
  | 'role.changed'
  | 'ownership.transferred'
  | 'member.kicked'
  | 'member.banned'
  | 'member.unbanned'
  | 'member.muted'
  | 'member.unmuted'
  | 'room.updated'
  | 'room.archived'
  | 'room.unarchived'
  | 'invite.created'
  | 'invite.revoked'
  | 'invite.used'
  | 'message.deleted';

export interface AuditEntry {
  id: string;
  roomId: string;
  actor: PublicUser;
  action: AuditAction;
  target: PublicUser | null;
  details: Record<string, unknown>;
  createdAt: string;
}

export interface AuditResponse {
  entries: AuditEntry[];
}

export interface RoomBan {
  user: PublicUser;
  bannedBy: PublicUser;
  reason: string;
  until: string | null;
  createdAt: string;
}

export interface BansResponse {
  bans: RoomBan[];
}

/** An invite link as its creator sees it; `code` and `url` only when just created. */
export interface RoomInvite {
  id: string;
  code?: string;
  url?: string;
  expiresAt: string | null;
  uses: number;
  maxUses: number | null;
  createdAt: string;
}

export interface InviteResponse {
  invite: RoomInvite;
}

export interface InvitesResponse {
  invites: RoomInvite[];
}

/** `GET /api/invites/:code`: enough to decide, nothing more (no member list). */
export interface InvitePreviewResponse {
  room: { id: string; name: string; topic: string; visibility: Room['visibility']; memberCount: number };
  expiresAt: string | null;
}

/** `room:updated`: the room's settings or member count changed. */
export interface RoomUpdatedEvent {
  room: Room;
}

/** `user:updated`: a profile changed, sent to the user's own sockets and to every room the user is in. */
export interface UserUpdatedEvent {
  user: UserProfile;
}

/** `member:updated`: a member's role or mute changed. */
export interface MemberUpdatedEvent {
  roomId: string;
  member: RoomMember;
}
