import { type Ack, describeIssue, type PublicUser, roomChannel, roomRefSchema } from '@chat/protocol';
import { AppError } from '@chat/service-kit';
import { answerFailure, type Connection, type HandlerDeps } from '../connection';
import { notAMember } from '../../rooms/permissions';

/** `presence:list`: who of a room of mine is online, counted across every gateway (one lookup per room a second). */
export function handlePresenceList(conn: Connection, deps: HandlerDeps): void {
  conn.socket.on('presence:list', (input, ack) => {
    if (typeof ack !== 'function') return;
    const answer = ack as (result: Ack<{ online: PublicUser[] }>) => void;
    const refuse = (error: unknown) => answerFailure(deps, conn, 'presence:list', answer, error);
    if (!conn.events.take()) return refuse(new AppError('RATE_LIMITED', 'too many events: slow down'));
    const parsed = roomRefSchema.safeParse(input);
    if (!parsed.success) return refuse(new AppError('VALIDATION', describeIssue(parsed.error)));
    if (!conn.socket.rooms.has(roomChannel(parsed.data.roomId))) return refuse(notAMember());
    deps.presenceLookup
      .online(parsed.data.roomId)
      .then((online) => answer({ ok: true, online }))
      .catch((error: unknown) => {
        deps.log.warn({ err: error }, 'presence:list failed');
        refuse(new AppError('UNAVAILABLE', 'presence is not available right now', { cause: error }));
      });
  });
}
