import { idSchema, profileSchema, type UserProfileResponse } from '@chat/protocol';
import { Router } from 'express';
import { AppError } from '@chat/service-kit';
import type { AvatarService } from '../files/avatar-service';
import type { RoomEvents } from '../realtime/types';
import type { ProfileRepository } from '../store/profiles';
import type { RoomRepository } from '../store/rooms';
import { authenticatedUser } from './authenticate';
import { parse } from './validate';

export interface ProfileRouteDeps {
  profiles: ProfileRepository;
  /** Sets the picture of `PATCH /api/me {avatarId}`. */
  avatars: AvatarService;
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
    const { avatarId, ...input } = parse(profileSchema, req.body);
    const me = authenticatedUser(req);
    // The picture first: a refused one (not uploaded, not an image) changes nothing else.
    if (avatarId !== undefined) await deps.avatars.set(me, avatarId);
    const user = await deps.profiles.update(me.id, input);
    if (!user) throw new AppError('UNAUTHORIZED', 'this account no longer exists');
    deps.roomEvents.profileChanged(user, await deps.rooms.memberRoomIds(user.id));
    res.json({ user } satisfies UserProfileResponse);
  });

  return router;
}
