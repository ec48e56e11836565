import { createUploadSchema, type FileUrlResponse, idSchema, partUrlsSchema } from '@chat/protocol';
import { Router } from 'express';
import type { FileService } from '../files/file-service';
import type { MultipartUploads } from '../files/multipart-uploads';
import { authenticatedUser } from './authenticate';
import { parse } from './validate';

export interface FileRouteDeps {
  files: FileService;
  /** Large files in parts (multipart-uploads.ts). */
  multipart: MultipartUploads;
}

/**
 * Uploads and downloads. The bytes never pass through here: a member gets a presigned PUT to upload, and
 * a redirect to a short-lived presigned GET to read. Every route is behind `authenticate`.
 */
export function fileRoutes(deps: FileRouteDeps): Router {
  const router = Router();

  router.post('/rooms/:roomId/uploads', async (req, res) => {
    const roomId = parse(idSchema, req.params.roomId);
    const input = parse(createUploadSchema, req.body);
    res.status(201).json(await deps.files.createUpload(authenticatedUser(req), roomId, input));
  });

  // Large files: a multipart grant, part URLs, the parts the store holds (to resume), and the join.
  router.post('/rooms/:roomId/uploads/multipart', async (req, res) => {
    const roomId = parse(idSchema, req.params.roomId);
    res.status(201).json(await deps.multipart.create(authenticatedUser(req), roomId, parse(createUploadSchema, req.body)));
  });
  router.post('/uploads/:uploadId/parts', async (req, res) => {
    res.json(await deps.multipart.partUrls(authenticatedUser(req), parse(idSchema, req.params.uploadId), parse(partUrlsSchema, req.body).partNumbers));
  });
  router.get('/uploads/:uploadId/parts', async (req, res) => {
    res.json(await deps.multipart.uploadedParts(authenticatedUser(req), parse(idSchema, req.params.uploadId)));
  });
  router.post('/uploads/:uploadId/complete', async (req, res) => {
    await deps.multipart.complete(authenticatedUser(req), parse(idSchema, req.params.uploadId));
    res.status(204).end();
  });

  /** The link as JSON, for clients that cannot follow a redirect with a bearer token (an <img> in the web app). */
  router.get('/files/:fileId/url', async (req, res) => {
    const link = await deps.files.link(authenticatedUser(req), parse(idSchema, req.params.fileId), req.query.variant === 'thumbnail' ? 'thumbnail' : 'file');
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(link satisfies FileUrlResponse);
  });

  for (const [path, variant] of [['/files/:fileId', 'file'], ['/files/:fileId/thumbnail', 'thumbnail']] as const) {
    router.get(path, async (req, res) => {
      const { url } = await deps.files.link(authenticatedUser(req), parse(idSchema, req.params.fileId), variant);
      // Membership is checked on every request: the redirect itself must never be cached.
      res.setHeader('Cache-Control', 'private, no-store');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.redirect(302, url);
    });
  }

  return router;
}
