import { deleteMessage } from '../change-message';
import type { Connection, HandlerDeps } from '../connection';
import { onChange } from './message-change';

/** `message:delete`: the message becomes a tombstone for every member, then the sender is acked. */
export function handleMessageDelete(conn: Connection, deps: HandlerDeps): void {
  conn.socket.on('message:delete', (input, ack) =>
    onChange(conn, deps, 'message:delete', ack, async () => {
      await deleteMessage(deps.send, conn, input);
      return { ok: true as const };
    }),
  );
}
