import { editMessage } from '../change-message';
import type { Connection, HandlerDeps } from '../connection';
import { onChange } from './message-change';

/** `message:edit`: the sender's new body, durable and broadcast as `message:updated`, then acked with the message. */
export function handleMessageEdit(conn: Connection, deps: HandlerDeps): void {
  conn.socket.on('message:edit', (input, ack) =>
    onChange(conn, deps, 'message:edit', ack, async () => ({ ok: true as const, message: await editMessage(deps.send, conn, input) })),
  );
}
