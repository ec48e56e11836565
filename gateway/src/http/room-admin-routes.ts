import {
  auditQuerySchema,
  type AuditResponse,
  banSchema,
  type BansResponse,
  idSchema,
  membersQuerySchema,
  type MembersPageResponse,
  muteSchema,
  type PublicUser,
  type Room,
  type RoomMemberResponse,
  type RoomResponse,
  roomSettingsSchema,
  setRoleSchema,
  transferSchema,
} from '@chat/protocol';
import { type Request, Router } from 'express';
import { AppError } from '@chat/service-kit';
import { authorizeRoomAction, notAMember, type RoomAction } from '../rooms/permissions';
import type { RoomActivityLog } from '../realtime/room-activity-log';
import type { RoomSignals } from '../rooms/room-signals';
import type { MemberPages } from '../store/member-pages';
import type { MembershipRole, RoomAdminRepository } from '../store/room-admin';
import type { RoomRepository } from '../store/rooms';
import type { UserRepository } from '../store/users';
import { authenticatedUser } from './authenticate';
import { parse } from './validate';

export interface RoomAdminRouteDeps {
  rooms: RoomRepository;
  users: UserRepository;
  roomAdmin: RoomAdminRepository;
  memberPages: MemberPages;
  roomSignals: RoomSignals;
  /** Puts each change on the event log (room.activity) before the answer. */
  activityLog: RoomActivityLog;
}

/** The caller in a room: who, its role, and the room as it sees it. */
interface Context {
  user: PublicUser;
  role: MembershipRole;
  room: Room;
}

const ARCHIVED = () => new AppError('FORBIDDEN', 'this room is archived: it is read-only');
const NOT_A_MEMBER = (what = 'this user') => new AppError('NOT_FOUND', `${what} is not a member of this room`);

/**
 * Roles, moderation, settings, the audit log and members pages of a room (behind `authenticate`).
 * Every route asks permissions.ts; a room the caller is not in answers FORBIDDEN whether it exists or not.
 */
export function roomAdminRoutes(deps: RoomAdminRouteDeps): Router {
  const router = Router();
  const { roomAdmin, roomSignals, activityLog } = deps;

  /** The caller's context, after checking it may do `action` (to `targetId`, whose role is returned). */
  const authorizeRole = async (req: Request, action: RoomAction, targetId?: string) => {
    const roomId = parse(idSchema, req.params.roomId);
    const user = authenticatedUser(req);
    const [role, targetRole] = await Promise.all([roomAdmin.roleOf(roomId, user.id), targetId ? roomAdmin.roleOf(roomId, targetId) : undefined]);
    authorizeRoomAction(action, role, targetRole);
    return { roomId, user, role, targetRole };
  };
  const authorize = async (req: Request, action: RoomAction, targetId?: string): Promise<Context & { targetRole: MembershipRole }> => {
    const { roomId, user, role, targetRole } = await authorizeRole(req, action, targetId);
    const room = await deps.rooms.get(roomId, user.id);
    if (!room) throw notAMember();
    return { user, role, room, targetRole };
  };
  const targetOf = (req: Request) => parse(idSchema, req.params.userId);
  const notSelf = (ctx: Context, targetId: string, what: string) => {
    if (ctx.user.id === targetId) throw new AppError('VALIDATION', `you cannot ${what} yourself`);
  };
  const active = (ctx: Context) => {
    if (ctx.room.archivedAt) throw ARCHIVED();
  };
  const announceMember = async (roomId: string, userId: string) => {
    const member = await roomAdmin.member(roomId, userId);
    if (member) roomSignals.memberUpdated(roomId, { ...member, online: (await roomSignals.onlineNow(roomId)).has(userId) });
    return member;
  };

  // The hot read of a big room. Any member may page it (a direct conversation's two included), so the
  // check is the gateway's remembered membership (auth/access-cache.ts: every leave, kick and ban drops it
  // on every gateway before it is answered), not a query per page.
  router.get('/rooms/:roomId/members', async (req, res) => {
    const roomId = parse(idSchema, req.params.roomId);
    if (!(await deps.rooms.isMember(roomId, authenticatedUser(req).id))) throw notAMember();
    const query = parse(membersQuerySchema, req.query);
    const online = await roomSignals.onlineIn(roomId, query.cursor === undefined);
    res.json((await deps.memberPages.page(roomId, online, query)) satisfies MembersPageResponse);
  });

  router.patch('/rooms/:roomId/members/:userId', async (req, res) => {
    const targetId = targetOf(req);
    const { role } = parse(setRoleSchema, req.body);
    const ctx = await authorize(req, 'set-role', targetId);
    active(ctx);
    if (ctx.targetRole === undefined) throw NOT_A_MEMBER();
    if (ctx.targetRole !== role) {
      await roomAdmin.setRole(ctx.room.id, targetId, role, { roomId: ctx.room.id, actorId: ctx.user.id, action: 'role.changed', targetId, details: { from: ctx.targetRole, to: role } });
    }
    const member = await announceMember(ctx.room.id, targetId);
    if (!member) throw NOT_A_MEMBER();
    await activityLog.publishRoom(ctx.room.id);
    res.json({ member } satisfies RoomMemberResponse);
  });

  router.post('/rooms/:roomId/transfer', async (req, res) => {
    const { userId } = parse(transferSchema, req.body);
    const ctx = await authorize(req, 'transfer', userId);
    active(ctx);
    notSelf(ctx, userId, 'transfer the room to');
    if (ctx.targetRole === undefined) throw NOT_A_MEMBER();
    if (!(await roomAdmin.transfer(ctx.room.id, ctx.user.id, userId, { roomId: ctx.room.id, actorId: ctx.user.id, action: 'ownership.transferred', targetId: userId }))) {
      throw new AppError('CONFLICT', 'the ownership changed meanwhile: reload the room');
    }
    await Promise.all([announceMember(ctx.room.id, ctx.user.id), announceMember(ctx.room.id, userId), roomSignals.roomChanged(ctx.room.id, ctx.user.id)]);
    await activityLog.publishRoom(ctx.room.id);
    res.json({ room: (await deps.rooms.get(ctx.room.id, ctx.user.id))! } satisfies RoomResponse);
  });

  router.delete('/rooms/:roomId/members/:userId', async (req, res) => {
    const targetId = targetOf(req);
    const ctx = await authorize(req, 'kick', targetId);
    notSelf(ctx, targetId, 'kick');
    if (ctx.targetRole === undefined) throw NOT_A_MEMBER();
    if (!(await roomAdmin.kick(ctx.room.id, targetId, { roomId: ctx.room.id, actorId: ctx.user.id, action: 'member.kicked', targetId }))) throw NOT_A_MEMBER();
    // The removal holds first (its sockets leave the room), then the entry goes on the log for the rest.
    await roomSignals.removed(targetId, ctx.room.id, ctx.user.id);
    await activityLog.publishRoom(ctx.room.id);
    res.status(204).end();
  });

  router.post('/rooms/:roomId/bans', async (req, res) => {
    const { userId, reason, until } = parse(banSchema, req.body);
    const ctx = await authorize(req, 'ban', userId);
    notSelf(ctx, userId, 'ban');
    const target = await deps.users.findById(userId);
    if (!target) throw new AppError('NOT_FOUND', 'no such user');
    const audit = { roomId: ctx.room.id, actorId: ctx.user.id, action: 'member.banned' as const, targetId: userId, details: { reason, until: until ?? null } };
    const wasMember = await roomAdmin.ban(ctx.room.id, userId, ctx.user.id, reason, until ? new Date(until) : null, audit);
    if (wasMember) await roomSignals.removed(userId, ctx.room.id, ctx.user.id);
    await activityLog.publishRoom(ctx.room.id);
    res.status(201).json({ ban: { user: target, bannedBy: ctx.user, reason, until: until ?? null, createdAt: new Date().toISOString() } });
  });

  router.get('/rooms/:roomId/bans', async (req, res) => {
    const ctx = await authorize(req, 'unban');
    res.json({ bans: await roomAdmin.bans(ctx.room.id) } satisfies BansResponse);
  });

  router.delete('/rooms/:roomId/bans/:userId', async (req, res) => {
    const targetId = targetOf(req);
    const ctx = await authorize(req, 'unban');
    if (!(await roomAdmin.isBanned(ctx.room.id, targetId))) throw new AppError('NOT_FOUND', 'this user is not banned from this room');
    await roomAdmin.unban(ctx.room.id, targetId, { roomId: ctx.room.id, actorId: ctx.user.id, action: 'member.unbanned', targetId });
    await activityLog.publishRoom(ctx.room.id);
    res.status(204).end();
  });

  router.post('/rooms/:roomId/mutes', async (req, res) => {
    const { userId, until } = parse(muteSchema, req.body);
    const ctx = await authorize(req, 'mute', userId);
    active(ctx);
    notSelf(ctx, userId, 'mute');
    if (ctx.targetRole === undefined) throw NOT_A_MEMBER();
    await roomAdmin.mute(ctx.room.id, userId, ctx.user.id, until ? new Date(until) : null, { roomId: ctx.room.id, actorId: ctx.user.id, action: 'member.muted', targetId: userId, details: { until: until ?? null } });
    await roomSignals.policyChanged(ctx.room.id);
    const member = await announceMember(ctx.room.id, userId);
    await activityLog.publishRoom(ctx.room.id);
    res.status(201).json({ member: member! } satisfies RoomMemberResponse);
  });

  router.delete('/rooms/:roomId/mutes/:userId', async (req, res) => {
    const targetId = targetOf(req);
    const ctx = await authorize(req, 'unmute', targetId);
    if (!(await roomAdmin.unmute(ctx.room.id, targetId, { roomId: ctx.room.id, actorId: ctx.user.id, action: 'member.unmuted', targetId }))) {
      throw new AppError('NOT_FOUND', 'this member is not muted');
    }
    await roomSignals.policyChanged(ctx.room.id);
    await announceMember(ctx.room.id, targetId);
    await activityLog.publishRoom(ctx.room.id);
    res.status(204).end();
  });

  router.get('/rooms/:roomId/audit', async (req, res) => {
    const ctx = await authorize(req, 'view-audit');
    const { limit, before } = parse(auditQuerySchema, req.query);
    res.json({ entries: await roomAdmin.auditPage(ctx.room.id, limit, before) } satisfies AuditResponse);
  });

  router.patch('/rooms/:roomId', async (req, res) => {
    const settings = parse(roomSettingsSchema, req.body);
    const ctx = await authorize(req, 'update-settings');
    active(ctx);
    // Only what differs: a retried rename (after an UNAVAILABLE, say) writes no second entry.
    const changed = Object.fromEntries(Object.entries(settings).filter(([key, value]) => ctx.room[key as keyof typeof settings] !== value));
    if (Object.keys(changed).length > 0) {
      await roomAdmin.updateSettings(ctx.room.id, changed, { roomId: ctx.room.id, actorId: ctx.user.id, action: 'room.updated', details: changed });
      await roomSignals.roomChanged(ctx.room.id, ctx.user.id);
      await activityLog.publishRoom(ctx.room.id);
    }
    res.json({ room: (await deps.rooms.get(ctx.room.id, ctx.user.id))! } satisfies RoomResponse);
  });

  for (const [method, archived] of [['post', true], ['delete', false]] as const) {
    router[method]('/rooms/:roomId/archive', async (req, res) => {
      const ctx = await authorize(req, 'archive');
      await roomAdmin.setArchived(ctx.room.id, archived, { roomId: ctx.room.id, actorId: ctx.user.id, action: archived ? 'room.archived' : 'room.unarchived' });
      await roomSignals.policyChanged(ctx.room.id);
      await roomSignals.roomChanged(ctx.room.id, ctx.user.id);
      await activityLog.publishRoom(ctx.room.id);
      res.json({ room: (await deps.rooms.get(ctx.room.id, ctx.user.id))! } satisfies RoomResponse);
    });
  }

  return router;
}
