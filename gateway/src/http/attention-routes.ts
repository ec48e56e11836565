import { idSchema, roomPreferencesSchema, type RoomPreferencesResponse, type SearchResponse, searchQuerySchema } from '@chat/protocol';
import { Router } from 'express';
import { AppError } from '@chat/service-kit';
import type { AttentionDeps } from '../attention/attention-store';
import type { MessageSearch } from '../attention/search';
import type { RoomRepository } from '../store/rooms';
import { authenticatedUser } from './authenticate';
import { parse } from './validate';

export interface AttentionRouteDeps {
  rooms: RoomRepository;
  attention: AttentionDeps;
  search: MessageSearch;
}

const NOT_A_MEMBER = () => new AppError('FORBIDDEN', 'you are not a member of this room');

/** `PUT /api/rooms/:roomId/preferences` and `GET /api/search` (behind `authenticate`). */
export function attentionRoutes(deps: AttentionRouteDeps): Router {
  const router = Router();

  router.put('/rooms/:roomId/preferences', async (req, res) => {
    const roomId = parse(idSchema, req.params.roomId);
    const user = authenticatedUser(req);
    const preferences = parse(roomPreferencesSchema, req.body);
    if (!(await deps.rooms.isMember(roomId, user.id))) throw NOT_A_MEMBER();
    await deps.attention.store.setPreferences(user.id, roomId, preferences);
    res.json({ preferences } satisfies RoomPreferencesResponse);
  });

  router.get('/search', async (req, res) => {
    const query = parse(searchQuerySchema, req.query);
    const user = authenticatedUser(req);
    // Not revealing whether a room exists: one I am not in is forbidden, existing or not.
    if (query.roomId && !(await deps.rooms.isMember(query.roomId, user.id))) throw NOT_A_MEMBER();
    res.json((await deps.search.search(user.id, query)) satisfies SearchResponse);
  });

  return router;
}
