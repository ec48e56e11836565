import { assistantStreamSchema, describeIssue, roomChannel } from '@chat/protocol';
import { AppError } from '@chat/service-kit';
import { answerFailure, type Connection, type HandlerDeps } from '../connection';

/** `assistant:stream`: a service socket's growing reply, relayed to the room (the final text is a message). */
export function handleAssistantStream(conn: Connection, deps: HandlerDeps): void {
  conn.socket.on('assistant:stream', (input, ack) => {
    const answer = typeof ack === 'function' ? ack : () => undefined;
    const refuse = (error: AppError) => answerFailure(deps, conn, 'assistant:stream', answer, error);
    if (!conn.isService) return refuse(new AppError('FORBIDDEN', 'only the assistant may stream replies'));
    const parsed = assistantStreamSchema.safeParse(input);
    if (!parsed.success) return refuse(new AppError('VALIDATION', describeIssue(parsed.error)));
    // Not volatile: a volatile packet is dropped whenever the socket is still writing the previous one,
    // which is most of the time for pieces a model writes in quick succession (seen in the tests).
    // The worker coalesces pieces (ASSISTANT_STREAM_INTERVAL_MS), which bounds what this costs.
    deps.io.to(roomChannel(parsed.data.roomId)).emit('assistant:stream', { ...parsed.data, sender: conn.user });
    answer({ ok: true });
  });
}
