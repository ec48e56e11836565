import { createAvatarUploadSchema, type FileUrlResponse, idSchema } from '@chat/protocol';
import { Router } from 'express';
import type { AvatarService } from '../files/avatar-service';
import { authenticatedUser } from './authenticate';
import { parse } from './validate';

export interface AvatarRouteDeps {
  avatars: AvatarService;
}

/**
 * Avatars (behind `authenticate`): the grant of an upload URL for one's next picture, and anyone's
 * picture for any signed-in user, as a redirect to a presigned GET (or that link as JSON, for an <img>,
 * which cannot send a bearer token). Setting and removing go through `PATCH /api/me {avatarId}`.
 */
export function avatarRoutes(deps: AvatarRouteDeps): Router {
  const router = Router();

  router.post('/me/avatar/uploads', async (req, res) => {
    res.status(201).json(await deps.avatars.grant(authenticatedUser(req), parse(createAvatarUploadSchema, req.body)));
  });

  router.get('/users/:userId/avatar/url', async (req, res) => {
    const link = await deps.avatars.link(parse(idSchema, req.params.userId));
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(link satisfies FileUrlResponse);
  });

  router.get('/users/:userId/avatar', async (req, res) => {
    const { url } = await deps.avatars.link(parse(idSchema, req.params.userId));
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.redirect(302, url);
  });

  return router;
}
