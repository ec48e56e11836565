import type { Ack } from '@chat/protocol';
import { AppError } from '@chat/service-kit';
import { answerFailure, type Connection, type HandlerDeps } from '../connection';

/**
 * What every change handler does around its work: a change without an ack is ignored (it could not be
 * answered), the socket's event budget is taken first (refused changes cost the same as any event),
 * nothing runs before the socket is in its rooms, and a failure is answered with its stable code.
 */
export function onChange<T extends object>(
  conn: Connection,
  deps: HandlerDeps,
  event: string,
  ack: unknown,
  work: () => Promise<{ ok: true } & T>,
): void {
  if (typeof ack !== 'function') return;
  const answer = ack as (result: Ack<T>) => void;
  const refuse = (error: unknown) => answerFailure(deps, conn, event, answer, error);
  if (!conn.events.take()) return refuse(new AppError('RATE_LIMITED', 'too many events: slow down'));
  conn.ready.then(work).then(answer, refuse);
}
