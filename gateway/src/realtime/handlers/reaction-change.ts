import { react } from '../change-message';
import type { Connection, HandlerDeps } from '../connection';
import { onChange } from './message-change';

/** `reaction:add` and `reaction:remove`: one reaction per (user, message, emoji), broadcast as `message:updated`. */
export function handleReactionChanges(conn: Connection, deps: HandlerDeps): void {
  for (const [event, present] of [['reaction:add', true], ['reaction:remove', false]] as const) {
    conn.socket.on(event, (input, ack) =>
      onChange(conn, deps, event, ack, async () => {
        await react(deps.send, conn, input, present);
        return { ok: true as const };
      }),
    );
  }
}
