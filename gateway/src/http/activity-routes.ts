import { activityQuerySchema, idSchema, type RoomActivityResponse } from '@chat/protocol';
import { Router } from 'express';
import type { RoomActivityRepository } from '../store/room-activity';
import type { RoomRepository } from '../store/rooms';
import { authenticatedUser } from './authenticate';
import { parse } from './validate';
import { notAMember } from '../rooms/permissions';

export interface ActivityRouteDeps {
  rooms: RoomRepository;
  roomActivity: RoomActivityRepository;
}

/**
 * `GET /api/rooms/:roomId/activity`: the room's timeline of membership and moderation changes, as the
 * persister stored it from the log, oldest first; a client merges it with the messages pages by id.
 * Any member may read it (it says what the room saw, unlike the audit log, which is admin+).
 */
export function activityRoutes(deps: ActivityRouteDeps): Router {
  const router = Router();
  router.get('/rooms/:roomId/activity', async (req, res) => {
    const roomId = parse(idSchema, req.params.roomId);
    if (!(await deps.rooms.isMember(roomId, authenticatedUser(req).id))) throw notAMember();
    res.json({ activity: await deps.roomActivity.page(roomId, parse(activityQuerySchema, req.query)) } satisfies RoomActivityResponse);
  });
  return router;
}
