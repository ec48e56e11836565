import { type ChatMessage, userChannel } from '@chat/protocol';
import type { Logger } from '@chat/service-kit';
import type { ChatServer } from '../realtime/types';
import type { AttentionStore } from './attention-store';

/**
 * Sends `mention:new` to every socket (every gateway) of each user a durable message mentions, whatever
 * room they look at, except those who asked for quiet in that room (notify "none", or muted): their
 * `mentionCount` still counts it. Best effort, after the broadcast: the message itself is durable.
 */
export function createMentionNotifier(io: ChatServer, store: Pick<AttentionStore, 'quietUsers'>, log: Logger): (message: ChatMessage) => void {
  return (message) => {
    const mentioned = (message.mentions ?? []).filter((id) => id !== message.sender.id);
    if (mentioned.length === 0) return;
    store
      .quietUsers(message.roomId, mentioned)
      .then((quiet) => {
        const channels = mentioned.filter((id) => !quiet.has(id)).map(userChannel);
        if (channels.length > 0) io.to(channels).emit('mention:new', { message });
      })
      .catch((error: unknown) => log.warn({ err: error, messageId: message.id }, 'could not notify mentions'));
  };
}
