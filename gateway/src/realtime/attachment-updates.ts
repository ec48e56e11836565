import { type AttachmentUpdatedEvent, roomChannel } from '@chat/protocol';
import type { Redis } from 'ioredis';
import type { Logger } from '@chat/service-kit';
import { attachmentUpdatesChannel } from '../thumbnails/thumbnail-worker';
import type { ChatServer } from './types';

/**
 * Relays the thumbnail worker's announcements to the room's members. Every gateway receives each one
 * (pub/sub) and emits it to its own sockets only (`io.local`), so each member gets it once. Best effort:
 * a member who misses it sees the thumbnail in history.
 */
export async function relayAttachmentUpdates(io: ChatServer, redis: Redis, prefix: string, log: Logger): Promise<() => Promise<void>> {
  const subscriber = redis.duplicate();
  subscriber.on('error', (error) => log.warn({ err: error }, 'attachment updates: redis error'));
  subscriber.on('message', (_channel, raw: string) => {
    let event: AttachmentUpdatedEvent;
    try {
      event = JSON.parse(raw) as AttachmentUpdatedEvent;
    } catch {
      return;
    }
    io.local.to(roomChannel(event.roomId)).emit('attachment:updated', event);
  });
  await subscriber.subscribe(attachmentUpdatesChannel(prefix));
  return async () => void (await subscriber.quit().catch(() => undefined));
}
