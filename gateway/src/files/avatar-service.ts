import { AVATAR_LIMITS, type CreateAvatarUploadInput, type PublicUser, type UploadResponse } from '@chat/protocol';
import { AppError } from '@chat/service-kit';
import type { AvatarRepository } from '../store/avatars';
import { newId } from '../store/ids';
import { contentMatches, SNIFF_BYTES } from './file-types';
import type { ObjectStore } from './object-store';

/** Avatars are seen wherever their user is: a link lives longer than a file's, so that browsers can cache it. */
export const AVATAR_URL_TTL_SECONDS = 3600;

/** Object keys of avatars: one folder a user (not a room: an avatar is seen wherever its user is). */
export const avatarKey = (userId: string, avatarId: string): string => `avatars/${userId}/${avatarId}`;

/** The avatar's path on the API, which names its version so that a new picture is a new URL. */
export const avatarPath = (userId: string, key: string | null): string | null =>
  key ? `/api/users/${userId}/avatar?v=${key.slice(key.lastIndexOf('/') + 1)}` : null;

/**
 * Users' pictures, through the same presigned path as files: a grant (`POST /api/me/avatar/uploads`),
 * a PUT straight to the store, then `PATCH /api/me {avatarId}` checks the object (size, type, first
 * bytes) and makes it the avatar, deleting the one it replaces. The web app crops to a square before
 * uploading (the user sees what everyone will); the page shows any picture as a square (object-fit:
 * cover), so the gateway never decodes one.
 */
export interface AvatarService {
  grant(user: PublicUser, input: Required<CreateAvatarUploadInput>): Promise<UploadResponse>;
  /** Makes the uploaded picture `avatarId` the user's avatar (null: removes it). */
  set(user: PublicUser, avatarId: string | null): Promise<void>;
  /** A short-lived link to the user's picture, for any signed-in user; NOT_FOUND without one. */
  link(userId: string): Promise<{ url: string; expiresAt: string }>;
  /** Deletes every avatar object of the user (the account is being deleted). */
  deleteUserAvatars(userId: string): Promise<void>;
}

export interface AvatarServiceDeps {
  store: ObjectStore;
  avatars: AvatarRepository;
  uploadUrlTtlSeconds: number;
}

export function createAvatarService({ store, avatars, uploadUrlTtlSeconds }: AvatarServiceDeps): AvatarService {
  const gone = () => new AppError('UNAUTHORIZED', 'this account no longer exists');
  const drop = async (key: string | null | undefined) => {
    if (key) await store.delete([key]);
  };

  const checkObject = async (key: string) => {
    const head = await store.head(key);
    if (!head) throw new AppError('VALIDATION', 'the picture has not been uploaded yet: PUT it to its upload URL first');
    if (head.size > AVATAR_LIMITS.maxBytes || !AVATAR_LIMITS.types.includes(head.contentType)) {
      throw new AppError('CONTENT_MISMATCH', 'the stored picture is not what was granted');
    }
    if (!contentMatches(head.contentType, await store.readStart(key, Math.min(SNIFF_BYTES, head.size)))) {
      throw new AppError('CONTENT_MISMATCH', `the picture is not a ${head.contentType} image`);
    }
  };

  return {
    async grant(user, input) {
      if (!AVATAR_LIMITS.types.includes(input.contentType)) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', `an avatar must be one of ${AVATAR_LIMITS.types.join(', ')}, not ${input.contentType}`);
      }
      if (input.size > AVATAR_LIMITS.maxBytes) throw new AppError('PAYLOAD_TOO_LARGE', `an avatar may be at most ${AVATAR_LIMITS.maxBytes / 1024} KB`);
      const id = newId();
      const key = avatarKey(user.id, id);
      const granted = await avatars.grant(user.id, key);
      if (!granted) throw gone();
      // One pending picture a user: an earlier grant (uploaded or not) is replaced, so none is left behind.
      await drop(granted.replaced);
      const url = await store.presignPut(key, input.size, input.contentType, uploadUrlTtlSeconds);
      const expiresAt = new Date(Date.now() + uploadUrlTtlSeconds * 1000).toISOString();
      return { upload: { id, url, method: 'PUT', headers: { 'Content-Type': input.contentType }, expiresAt } };
    },

    async set(user, avatarId) {
      if (avatarId === null) {
        await drop(await avatars.clear(user.id));
        return;
      }
      const key = avatarKey(user.id, avatarId);
      const notGranted = () => new AppError('NOT_FOUND', 'no avatar upload of yours with this id: ask for a new one');
      if ((await avatars.keys(user.id))?.pending !== key) throw notGranted();
      await checkObject(key);
      // Another grant (another tab) may have replaced this one meanwhile: only a still-pending key is taken.
      const promoted = await avatars.promote(user.id, key);
      if (!promoted) throw notGranted();
      await drop(promoted.replaced);
    },

    async link(userId) {
      const key = (await avatars.keys(userId))?.current;
      if (!key) throw new AppError('NOT_FOUND', 'this user has no avatar');
      // Served with its stored type, which `set` checked is a raster image's.
      const url = await store.presignGet(key, AVATAR_URL_TTL_SECONDS, { contentDisposition: 'inline; filename="avatar"' });
      return { url, expiresAt: new Date(Date.now() + AVATAR_URL_TTL_SECONDS * 1000).toISOString() };
    },

    async deleteUserAvatars(userId) {
      const keys = await avatars.keys(userId);
      const all = [keys?.current, keys?.pending].filter((k): k is string => Boolean(k));
      if (all.length > 0) await store.delete(all);
    },
  };
}
