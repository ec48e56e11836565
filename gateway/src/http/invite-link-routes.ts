import { createInviteSchema, idSchema, inviteCodeSchema, type InvitePreviewResponse, type InviteResponse, type InvitesResponse, type RoomResponse } from '@chat/protocol';
import { type Request, type RequestHandler, Router } from 'express';
import { AppError } from '@chat/service-kit';
import type { RoomActivityLog } from '../realtime/room-activity-log';
import type { RoomEvents } from '../realtime/types';
import { authorizeRoomAction } from '../rooms/permissions';
import type { RoomSignals } from '../rooms/room-signals';
import type { RateLimiter } from '../redis/rate-limiter';
import type { InviteLinkRepository } from '../store/invite-links';
import type { RoomAdminRepository } from '../store/room-admin';
import type { RoomRepository } from '../store/rooms';
import { authenticatedUser } from './authenticate';
import { parse } from './validate';

export interface InviteLinkRouteDeps {
  rooms: RoomRepository;
  roomAdmin: RoomAdminRepository;
  inviteLinks: InviteLinkRepository;
  roomEvents: RoomEvents;
  roomSignals: RoomSignals;
  activityLog: RoomActivityLog;
  /** Previews per client address (the only unauthenticated lookup). */
  invitePreviewLimiter: RateLimiter;
  /** Accepts per user. */
  inviteAcceptLimiter: RateLimiter;
  /** Where the web app lives: links are `${webOrigin}/invite/<code>`. */
  webOrigin: string;
}

/** Every code that opens nothing gets the same answer: unknown, revoked, expired or used up. */
const INVALID = () => new AppError('NOT_FOUND', 'this invite link is not valid: it may have expired, been used up or been revoked');
/** A link lives a week unless its creator says otherwise. */
const DEFAULT_EXPIRES_IN_S = 7 * 24 * 3600;

/**
 * Counts a lookup before it is made, so that guessing costs the guesser: every lookup, found or not, is
 * counted, and the answer past the limit is RATE_LIMITED whatever the code. Codes carry 192 random bits,
 * so the limit is not what keeps them safe; it keeps the database from being the guesser's oracle.
 */
async function countLookup(limiter: RateLimiter, key: string): Promise<void> {
  const result = await limiter.hit(key);
  if (!result.allowed) throw new AppError('RATE_LIMITED', `too many invite lookups: wait ${Math.ceil(result.retryAfterMs / 1000)} s`, { retryAfterMs: result.retryAfterMs });
}

const codeOf = (req: Request) => {
  const parsed = inviteCodeSchema.safeParse(req.params.code);
  if (!parsed.success) throw INVALID();
  return parsed.data;
};

/** GET /api/invites/:code: public, so a logged-out visitor sees where the link leads before signing up. */
export function invitePreviewRoute(deps: InviteLinkRouteDeps): RequestHandler {
  return async (req, res) => {
    await countLookup(deps.invitePreviewLimiter, req.ip ?? 'unknown');
    const found = await deps.inviteLinks.find(codeOf(req));
    if (!found) throw INVALID();
    const room = await deps.rooms.get(found.roomId, found.roomId);
    if (!room || room.archivedAt) throw INVALID();
    const preview: InvitePreviewResponse = {
      room: { id: room.id, name: room.name, topic: room.topic ?? '', visibility: room.visibility, memberCount: room.memberCount },
      expiresAt: found.invite.expiresAt,
    };
    res.json(preview);
  };
}

/** Invite links of a room (admin+) and their use (behind `authenticate`). */
export function inviteLinkRoutes(deps: InviteLinkRouteDeps): Router {
  const router = Router();
  const admin = async (req: Request) => {
    const roomId = parse(idSchema, req.params.roomId);
    const user = authenticatedUser(req);
    authorizeRoomAction('manage-invites', await deps.roomAdmin.roleOf(roomId, user.id));
    const room = (await deps.rooms.get(roomId, user.id))!;
    return { room, user };
  };

  router.post('/rooms/:roomId/invites', async (req, res) => {
    const { maxUses, expiresIn } = parse(createInviteSchema, req.body ?? {});
    const { room, user } = await admin(req);
    if (room.archivedAt) throw new AppError('FORBIDDEN', 'this room is archived: it is read-only');
    const expiresAt = new Date(Date.now() + (expiresIn ?? DEFAULT_EXPIRES_IN_S) * 1000);
    const invite = await deps.inviteLinks.create(room.id, user.id, maxUses ?? null, expiresAt);
    await deps.roomAdmin.audit({ roomId: room.id, actorId: user.id, action: 'invite.created', details: { inviteId: invite.id, maxUses: invite.maxUses, expiresAt: invite.expiresAt } });
    res.status(201).json({ invite: { ...invite, url: `${deps.webOrigin}/invite/${invite.code}` } } satisfies InviteResponse);
  });

  router.get('/rooms/:roomId/invites', async (req, res) => {
    const { room } = await admin(req);
    res.json({ invites: await deps.inviteLinks.list(room.id) } satisfies InvitesResponse);
  });

  // By code, or by the link's id (the list shows ids: codes are never stored).
  router.delete('/rooms/:roomId/invites/:code', async (req, res) => {
    const { room, user } = await admin(req);
    const code = String(req.params.code);
    if (!(await deps.inviteLinks.revoke(room.id, code))) throw INVALID();
    await deps.roomAdmin.audit({ roomId: room.id, actorId: user.id, action: 'invite.revoked' });
    res.status(204).end();
  });

  router.post('/invites/:code/accept', async (req, res) => {
    const user = authenticatedUser(req);
    await countLookup(deps.inviteAcceptLimiter, user.id);
    const code = codeOf(req);
    const found = await deps.inviteLinks.find(code);
    if (!found) throw INVALID();
    if (await deps.roomAdmin.isBanned(found.roomId, user.id)) throw new AppError('FORBIDDEN', 'you are banned from this room');
    const room = await deps.rooms.get(found.roomId, user.id);
    if (!room || room.archivedAt) throw INVALID();
    const used = await deps.inviteLinks.use(code, user.id);
    if (used.kind === 'invalid') throw INVALID();
    const joined = (await deps.rooms.get(used.roomId, user.id))!;
    if (used.kind === 'joined') {
      await deps.roomAdmin.audit({ roomId: used.roomId, actorId: user.id, action: 'invite.used', targetId: user.id, details: { inviteId: found.invite.id } });
      await Promise.all([deps.roomEvents.joined(user.id, joined), deps.roomSignals.roomChanged(used.roomId, user.id)]);
      await deps.activityLog.publishRoom(used.roomId);
    }
    res.json({ room: joined } satisfies RoomResponse);
  });

  return router;
}
