import { z } from 'zod';

/** Avatars: small square pictures, any signed-in user may see them. */
export const AVATAR_LIMITS = {
  /** Largest avatar upload, bytes (the web app sends a 256 px square WebP of a few KB). */
  maxBytes: 1024 * 1024,
  /** The side of the square the web app crops to, pixels. */
  sidePx: 256,
  /** Raster types only: an avatar is always shown inline. */
  types: ['image/png', 'image/jpeg', 'image/webp'] as readonly string[],
} as const;

/** `POST /api/me/avatar/uploads`: the picture the client is about to upload (answered like a room upload). */
export const createAvatarUploadSchema = z.strictObject({
  size: z.number().int().min(1, 'an empty picture cannot be an avatar').max(Number.MAX_SAFE_INTEGER),
  contentType: z.string().min(1).max(255).transform((s) => s.toLowerCase().split(';')[0]!.trim()),
});
export type CreateAvatarUploadInput = z.input<typeof createAvatarUploadSchema>;
