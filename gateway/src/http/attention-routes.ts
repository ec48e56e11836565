import { idSchema, roomPreferencesSchema, type RoomPreferencesResponse, type SearchResponse, searchQuerySchema } from '@chat/protocol';
import { Router } from 'express';
import type { AttentionDeps } from '../attention/attention-store';
import type { MessageSearch } from '../attention/search';
import type { RoomRepository } from '../store/rooms';
import { authenticatedUser } from './authenticate';
import { parse } from './validate';
import { notAMember } from '../rooms/permissions';

export interface AttentionRouteDeps {
  rooms: RoomRepository;
  attention: AttentionDeps;
  search: MessageSearch;
}

/** `PUT /api/rooms/:roomId/preferences` and `GET /api/search` (behind `authenticate`). */
export function attentionRoutes(deps: AttentionRouteDeps): Router {
  const router = Router();

  router.put('/rooms/:roomId/preferences', async (req, res) => {
    const roomId = parse(idSchema, req.params.roomId);
    const user = authenticatedUser(req);
    const preferences = parse(roomPreferencesSchema, req.body);
    if (!(await deps.rooms.isMember(roomId, user.id))) throw notAMember();
    await deps.attention.store.setPreferences(user.id, roomId, preferences);
    res.json({ preferences } satisfies RoomPreferencesResponse);
  });

  router.get('/search', async (req, res) => {
    const query = parse(searchQuerySchema, req.query);
    const user = authenticatedUser(req);
    // Not revealing whether a room exists: one I am not in is forbidden, existing or not.
    if (query.roomId && !(await deps.rooms.isMember(query.roomId, user.id))) throw notAMember();
    res.json((await deps.search.search(user.id, query)) satisfies SearchResponse);
  });

  return router;
}
