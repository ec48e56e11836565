import { type AttachmentUpdatedEvent, type MessageSentEvent, parseMessageEvent } from '@chat/protocol';
import type { Logger } from '@chat/service-kit';
import type { Consumer } from 'kafkajs';
import type { FileLifecycle } from '../files/file-lifecycle';
import { thumbnailKey } from '../files/file-service';
import { isImage } from '../files/file-types';
import type { ObjectStore } from '../files/object-store';
import { toAttachment, type UploadRepository } from '../store/uploads';
import { makeThumbnail } from './make-thumbnail';

export interface ThumbnailWorkerDeps {
  consumer: Consumer;
  topic: string;
  store: ObjectStore;
  uploads: UploadRepository;
  /** Deletes a deleted message's objects and rows. */
  lifecycle: Pick<FileLifecycle, 'deleteMessageFiles'>;
  /** Tells the gateways (and so the room's members) that an attachment changed. */
  announce: (event: AttachmentUpdatedEvent) => Promise<void>;
  log: Logger;
}

/**
 * Reads the messages topic (its own consumer group) and acts on the files of each event:
 * `message.sent` — makes a thumbnail of every attached image, records its size and announces the change;
 * `message.deleted` — deletes the message's objects (and thumbnails), then their rows.
 * Kafka is the trigger because it is where accepted messages and deletions are durable: a worker that
 * was down catches up, a failure is retried (the offset moves on only after the handler), and nothing
 * here slows a send. An image that cannot be decoded is logged and passed over (its message keeps a
 * file card). A new group starts at the beginning of the topic: uploads done (or deleted) already are
 * skipped cheaply.
 */
export async function runThumbnailWorker(deps: ThumbnailWorkerDeps): Promise<void> {
  const { consumer, log } = deps;
  await consumer.subscribe({ topic: deps.topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      let parsed;
      try {
        parsed = parseMessageEvent(JSON.parse(message.value?.toString('utf8') ?? ''));
      } catch {
        return; // the persister dead-letters malformed records; nothing for files here
      }
      if (!parsed.ok) return;
      const event = parsed.event;
      if (event.kind === 'message.sent') await makeThumbnails(deps, event);
      if (event.kind === 'message.deleted') {
        const removed = await deps.lifecycle.deleteMessageFiles(event.messageId);
        if (removed > 0) log.info({ messageId: event.messageId, files: removed }, 'files of a deleted message removed');
      }
    },
  });
}

async function makeThumbnails(deps: ThumbnailWorkerDeps, event: MessageSentEvent): Promise<void> {
  const { store, uploads, log } = deps;
  for (const attachment of event.attachments ?? []) {
    if (!isImage(attachment.contentType)) continue;
    const upload = await uploads.get(attachment.id);
    if (!upload || upload.thumbnailKey) continue; // deleted since, or done before a redelivery
    let thumbnail;
    try {
      thumbnail = await makeThumbnail(await store.read(upload.objectKey));
    } catch (error) {
      log.warn({ err: error, uploadId: upload.id }, 'image could not be decoded: no thumbnail');
      continue;
    }
    const key = thumbnailKey(upload.objectKey);
    await store.put(key, thumbnail.webp, 'image/webp');
    const updated = await uploads.setImageInfo(upload.id, { width: thumbnail.width, height: thumbnail.height, thumbnailKey: key });
    if (!updated) continue;
    await deps.announce({ roomId: event.roomId, messageId: event.messageId, attachment: toAttachment(updated) });
    log.info({ uploadId: upload.id, width: thumbnail.width, height: thumbnail.height, bytes: thumbnail.webp.length }, 'thumbnail made');
  }
}

/** The Redis pub/sub channel of attachment updates: every gateway subscribes and tells its own sockets. */
export const attachmentUpdatesChannel = (prefix: string): string => `${prefix}attachment-updated`;
