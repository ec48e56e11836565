import { z } from 'zod';
import type { PublicUser } from './models';

/**
 * The room's timeline of membership and moderation changes (issue 16: "moderation and membership
 * changes are events on the log"): each is a `room.activity` record on the messages topic, keyed by
 * the room like its messages, so its place among them is the log's order (its id is a UUIDv7 like a
 * message id, and the same id as its audit entry where it has one).
 */
export const ROOM_ACTIVITY_ACTIONS = [
  'member.joined',
  'member.left',
  'member.kicked',
  'member.banned',
  'member.unbanned',
  'member.muted',
  'member.unmuted',
  'role.changed',
  'ownership.transferred',
  'room.updated',
  'room.archived',
  'room.unarchived',
] as const;
export type RoomActivityAction = (typeof ROOM_ACTIVITY_ACTIONS)[number];

/** One timeline entry as clients get it (`room:activity`, `GET /api/rooms/:id/activity`). */
export interface RoomActivity {
  /** UUIDv7: orders the entry among the room's message ids. */
  id: string;
  roomId: string;
  action: RoomActivityAction;
  /** Who did it (for a join or a leave, the member itself). A deleted account reads `(deleted)`. */
  actor: PublicUser;
  /** Whom it was done to (kicks, bans, mutes, roles, transfers); null for room-wide changes. */
  target: PublicUser | null;
  /** What changed: `{from, to}` of a role, `{name?, topic?, ...}` of settings, `{reason, until}` of a ban. */
  details: Record<string, unknown>;
  /** ISO 8601, UTC. */
  at: string;
}

/** `room:activity` (server → members of the room, every gateway; replayed to reconnecting clients). */
export interface RoomActivityEvent {
  activity: RoomActivity;
}

/** `GET /api/rooms/:id/activity`: entries oldest first. */
export interface RoomActivityResponse {
  activity: RoomActivity[];
}

/**
 * `GET /api/rooms/:id/activity?before=&after=&limit=`: the newest `limit` entries before `before` (or
 * the newest of all), or the oldest after `after`; always answered oldest first, so that a client merges
 * them with a messages page by id.
 */
export const activityQuerySchema = z
  .strictObject({
    before: z.uuid('must be a UUID').optional(),
    after: z.uuid('must be a UUID').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(100),
  })
  .refine((q) => !(q.before && q.after), 'before and after cannot be combined');
export type ActivityQuery = z.infer<typeof activityQuerySchema>;
