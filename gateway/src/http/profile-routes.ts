import { idSchema, profileSchema, type UserProfileResponse } from '@chat/protocol';
import { Router } from 'express';
import { AppError } from '@chat/service-kit';
import type { RoomEvents } from '../realtime/types';
import type { ProfileRepository } from '../store/profiles';
import type { RoomRepository } from '../store/rooms';
import { authenticatedUser } from './authenticate';
import { parse } from './validate';

export interface ProfileRouteDeps {
  profiles: ProfileRepository;
  rooms: RoomRepository;
  roomEvents: RoomEvents;
}

/** Public profiles and one's own (behind `authenticate`). */
export function profileRoutes(deps: ProfileRouteDeps): Router {
  const router = Router();

  router.get('/users/:userId', async (req, res) => {
    const user = await deps.profiles.get(parse(idSchema, req.params.userId));
    if (!user) throw new AppError('NOT_FOUND', 'no such user');
    res.json({ user } satisfies UserProfileResponse);
  });

  router.patch('/me', async (req, res) => {
    const input = parse(profileSchema, req.body);
    const user = await deps.profiles.update(authenticatedUser(req).id, input);
    if (!user) throw new AppError('UNAUTHORIZED', 'this account no longer exists');
    deps.roomEvents.profileChanged(user, await deps.rooms.memberRoomIds(user.id));
    res.json({ user } satisfies UserProfileResponse);
  });

  return router;
}
