import { idSchema, type InvitationsResponse, type RoomResponse } from '@chat/protocol';
import { Router } from 'express';
import { AppError } from '@chat/service-kit';
import type { RoomEvents } from '../realtime/types';
import type { RoomActivityLog } from '../realtime/room-activity-log';
import type { RoomSignals } from '../rooms/room-signals';
import type { InvitationRepository } from '../store/invitations';
import type { RoomRepository } from '../store/rooms';
import { authenticatedUser } from './authenticate';
import { parse } from './validate';

export interface InvitationRouteDeps {
  invitations: InvitationRepository;
  rooms: RoomRepository;
  roomEvents: RoomEvents;
  roomSignals: RoomSignals;
  activityLog: RoomActivityLog;
}

/** The same answer for an invitation that never was, was declined, or was accepted already. */
const NO_INVITATION = () => new AppError('NOT_FOUND', 'no pending invitation to this room');

/**
 * /api/invitations: mine, accept, decline (behind `authenticate`). The shape is deliberately small, as
 * invite links build on it: an invitation is named by its room, one per room and invitee.
 */
export function invitationRoutes(deps: InvitationRouteDeps): Router {
  const router = Router();

  router.get('/invitations', async (req, res) => {
    res.json({ invitations: await deps.invitations.listFor(authenticatedUser(req).id) } satisfies InvitationsResponse);
  });

  router.post('/invitations/:roomId/accept', async (req, res) => {
    const roomId = parse(idSchema, req.params.roomId);
    const user = authenticatedUser(req);
    if (!(await deps.invitations.accept(roomId, user.id))) throw NO_INVITATION();
    const room = await deps.rooms.get(roomId, user.id);
    if (!room) throw NO_INVITATION(); // the room went in the meantime
    await Promise.all([deps.roomEvents.joined(user.id, room), deps.roomSignals.roomChanged(roomId, user.id)]);
    await deps.activityLog.publishRoom(roomId);
    res.json({ room } satisfies RoomResponse);
  });

  router.post('/invitations/:roomId/decline', async (req, res) => {
    const roomId = parse(idSchema, req.params.roomId);
    if (!(await deps.invitations.decline(roomId, authenticatedUser(req).id))) throw NO_INVITATION();
    res.status(204).end();
  });

  return router;
}
