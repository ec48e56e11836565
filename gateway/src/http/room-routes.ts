import {
  createRoomSchema,
  type InvitationResponse,
  historyQuerySchema,
  idSchema,
  type MessagesResponse,
  type RoomResponse,
  type RoomsResponse,
  usernameBodySchema,
} from '@chat/protocol';
import { type Request, Router } from 'express';
import { AppError } from '@chat/service-kit';
import type { RoomEvents } from '../realtime/socket-server';
import { beforeOwnerLeaves } from '../rooms/owner-leaves';
import type { RoomActivityLog } from '../realtime/room-activity-log';
import type { RoomSignals } from '../rooms/room-signals';
import type { RoomActivityRepository } from '../store/room-activity';
import type { RoomAdminRepository } from '../store/room-admin';
import type { InvitationRepository } from '../store/invitations';
import type { HistoryPage } from '../store/history-page-query';
import type { RoomListQuery } from '../store/room-list-query';
import type { RoomRepository } from '../store/rooms';
import type { UserRepository } from '../store/users';
import { authenticatedUser } from './authenticate';
import { myRoomsJson } from './my-rooms-json';
import { parse } from './validate';
import { notAMember } from '../rooms/permissions';

export interface RoomRouteDeps {
  rooms: RoomRepository;
  users: UserRepository;
  /** `GET /rooms/:roomId/messages`: the page with its reactions and files, through pg (store/history-page-query.ts). */
  historyPage: HistoryPage;
  roomEvents: RoomEvents;
  invitations: InvitationRepository;
  /** `GET /api/rooms`: my rooms with my read state, through pg (store/room-list-query.ts). */
  roomList: RoomListQuery;
  roomAdmin: RoomAdminRepository;
  roomSignals: RoomSignals;
  /** Joins and leaves with their timeline entries (room-activity.ts), put on the log before the answer. */
  roomActivity: RoomActivityRepository;
  activityLog: RoomActivityLog;
}

/** /api/rooms, /api/dm: rooms, membership and history. Every route is behind `authenticate`. */
export function roomRoutes(deps: RoomRouteDeps): Router {
  const router = Router();
  const roomIdOf = (req: Request) => parse(idSchema, req.params.roomId);

  /** The room, if the caller is a member; FORBIDDEN whether it is missing or private (no probing). */
  const memberRoom = async (req: Request) => {
    const roomId = roomIdOf(req);
    const user = authenticatedUser(req);
    if (!(await deps.rooms.isMember(roomId, user.id))) throw notAMember();
    const room = await deps.rooms.get(roomId, user.id);
    if (!room) throw notAMember();
    return room;
  };

  router.get('/rooms', async (req, res) => {
    const rooms = await deps.roomList(authenticatedUser(req).id);
    // What res.json sends, without its escaping pass over the whole text (my-rooms-json.ts), encoded once:
    // given the ~70 KB string, express encodes it to count its bytes, again to hash its ETag, and again to write it.
    res.set('Content-Type', 'application/json; charset=utf-8').send(Buffer.from(myRoomsJson(rooms, Boolean(req.app.get('json escape')))));
  });

  router.get('/rooms/public', async (req, res) => {
    res.json({ rooms: await deps.rooms.listPublic(authenticatedUser(req).id, 100) } satisfies RoomsResponse);
  });

  router.post('/rooms', async (req, res) => {
    const { name, visibility } = parse(createRoomSchema, req.body);
    const user = authenticatedUser(req);
    const room = await deps.rooms.create(name, visibility, user);
    await deps.roomEvents.joined(user.id, room);
    res.status(201).json({ room } satisfies RoomResponse);
  });

  router.get('/rooms/:roomId', async (req, res) => {
    res.json({ room: await memberRoom(req) } satisfies RoomResponse);
  });

  router.post('/rooms/:roomId/join', async (req, res) => {
    const roomId = roomIdOf(req);
    const user = authenticatedUser(req);
    const room = await deps.rooms.get(roomId, user.id);
    // Private and direct rooms are invitation-only, and look exactly like rooms that do not exist.
    if (!room || room.visibility !== 'public') throw new AppError('NOT_FOUND', 'no public room with this id');
    if (await deps.roomAdmin.isBanned(roomId, user.id)) throw new AppError('FORBIDDEN', 'you are banned from this room');
    if (await deps.roomActivity.join(roomId, user.id)) {
      const joined = (await deps.rooms.get(roomId, user.id))!;
      await Promise.all([deps.roomEvents.joined(user.id, joined), deps.roomSignals.roomChanged(roomId, user.id)]);
      await deps.activityLog.publishRoom(roomId);
      return void res.json({ room: joined } satisfies RoomResponse);
    }
    res.json({ room } satisfies RoomResponse);
  });

  // An invitation, not a membership: the invitee accepts or declines it (invitation-routes.ts). Adding
  // people directly let anyone pull anyone into a room.
  router.post('/rooms/:roomId/members', async (req, res) => {
    const room = await memberRoom(req);
    const inviter = authenticatedUser(req);
    const { username } = parse(usernameBodySchema, req.body);
    if (room.visibility === 'direct') throw new AppError('VALIDATION', 'a direct conversation cannot have more members: create a room');
    const invitee = await deps.users.findByUsername(username);
    if (!invitee) throw new AppError('NOT_FOUND', `no user named ${username}`);
    if (await deps.roomAdmin.isBanned(room.id, invitee.id)) throw new AppError('FORBIDDEN', `${invitee.username} is banned from this room`);
    if (!(await deps.invitations.invite(room.id, inviter, invitee.id))) throw new AppError('CONFLICT', `${invitee.username} is already a member`);
    const invitation = await deps.invitations.find(room.id, invitee.id);
    if (!invitation) throw new AppError('CONFLICT', `${invitee.username} is already a member`);
    deps.roomEvents.invited(invitee.id, invitation);
    res.status(201).json({ invitation } satisfies InvitationResponse);
  });

  // GET /rooms/:roomId/members: pages with roles and presence (room-admin-routes.ts).

  router.post('/rooms/:roomId/leave', async (req, res) => {
    const room = await memberRoom(req);
    const user = authenticatedUser(req);
    await beforeOwnerLeaves(deps, room, user.id);
    await deps.roomActivity.leave(room.id, user.id);
    deps.roomEvents.left(user.id, room.id);
    await deps.roomSignals.roomChanged(room.id, user.id);
    await deps.activityLog.publishRoom(room.id);
    res.status(204).end();
  });

  router.get('/rooms/:roomId/messages', async (req, res) => {
    const roomId = roomIdOf(req);
    // Membership is all a page needs: loading the room too (its name, member count) was a third query
    // on the busiest read path, about a fifth of its CPU.
    if (!(await deps.rooms.isMember(roomId, authenticatedUser(req).id))) throw notAMember();
    // One statement: the page, its reactions, its files (with what the thumbnail worker learnt since the send).
    const messages = await deps.historyPage(roomId, parse(historyQuerySchema, req.query));
    res.json({ messages } satisfies MessagesResponse);
  });

  router.post('/dm', async (req, res) => {
    const { username } = parse(usernameBodySchema, req.body);
    const me = authenticatedUser(req);
    const other = await deps.users.findByUsername(username);
    if (!other) throw new AppError('NOT_FOUND', `no user named ${username}`);
    const { room, created } = await deps.rooms.direct(me, { id: other.id, username: other.username });
    if (created) {
      const theirs = (await deps.rooms.get(room.id, other.id))!;
      await Promise.all([deps.roomEvents.joined(me.id, room), deps.roomEvents.joined(other.id, theirs)]);
    }
    res.status(created ? 201 : 200).json({ room } satisfies RoomResponse);
  });

  return router;
}
