import { AppError } from '@chat/service-kit';
import { answerFailure, type Connection, type HandlerDeps } from '../connection';
import { sendMessage } from '../send-message';

/** `message:send`: the durable send path (send-message.ts), answered by its ack. */
export function handleMessageSend(conn: Connection, deps: HandlerDeps): void {
  conn.socket.on('message:send', (input, ack) => {
    if (typeof ack !== 'function') return; // a send without an ack cannot be answered; ignore it
    const timer = deps.metrics.sendSeconds.startTimer();
    const refuse = (error: unknown) => {
      deps.metrics.messages.inc({ result: 'rejected' });
      answerFailure(deps, conn, 'message:send', ack, error);
    };
    if (!conn.events.take()) return refuse(new AppError('RATE_LIMITED', 'too many events: slow down'));
    conn.ready
      .then(() => sendMessage(deps.send, conn.user, conn.canPostTo, input, conn.sendRateLimit))
      .then((message) => {
        // Receivers clear the sender's "typing" on a new message: the next keystroke must reach them again.
        conn.lastTyping.delete(message.roomId);
        ack({ ok: true, message });
      }, refuse)
      .finally(timer);
  });
}
