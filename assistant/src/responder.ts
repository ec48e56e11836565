import { LIMITS, type MessageRecord, type PublicUser } from '@chat/protocol';
import { type Logger, moduleLogger } from '@chat/service-kit';
import { type ReplyChannel, ReplyRefusedError } from './gateway-client';
import type { AssistantMetrics } from './metrics';
import { type ModelClient, ModelError } from './model-client';
import { buildTurns, promptQuestion } from './prompt';
import type { PromptGuard } from './prompt-guard';
import { ReplyStream } from './reply-stream';
import type { RoomContext } from './room-context';

/** What {@link Responder} needs. */
export interface ResponderDeps {
  bot: PublicUser;
  model: ModelClient;
  guard: PromptGuard;
  context: RoomContext;
  replies: ReplyChannel;
  metrics: AssistantMetrics;
  logger: Logger;
  /** Earlier room messages sent with each prompt. */
  contextMessages: number;
  /** See AssistantConfig.streamIntervalMs. */
  streamIntervalMs: number;
  /** The model's time limit, for the timeout reply's wording. */
  timeoutMs: number;
}

/** C0 controls except tab and newline, and DEL: refused by the message schema. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/** The clientMsgId of the reply to a prompt: a resend (after a crash or a lost ack) is the same message. */
export const replyIdOf = (promptId: string): string => `assistant-${promptId}`;

/** Short, plain replies for the cases where the model gives no answer. */
export const REPLIES = {
  empty: (name: string) => `Ask me something after @${name}.`,
  timeout: (seconds: number) => `Sorry, the model took too long to answer (over ${seconds} s). Please try again later.`,
  cutShort: '[cut short: the model took too long]',
  modelError: 'Sorry, I could not get an answer from the model just now. Please try again later.',
  noText: 'Sorry, the model gave an empty answer.',
  userLimited: (who: string, seconds: number) => `@${who}, you are asking too often: try again in ${seconds} s.`,
  roomLimited: (seconds: number) => `This room is asking too often: try again in ${seconds} s.`,
};

/**
 * Answers the prompts of the messages topic: picks `@<name>` messages, answers each once, within the
 * rate limits, streams the model's answer into the room and sends the final reply through the gateways.
 */
export class Responder {
  private readonly log: Logger;

  constructor(private readonly deps: ResponderDeps) {
    this.log = moduleLogger(deps.logger, 'responder');
  }

  /**
   * Handles one record of the messages topic. Resolves when it needs nothing more (answered, refused,
   * or not a prompt); rejects only when the reply could not be delivered, so that the record is
   * consumed again (its claim is released first).
   */
  async handle(record: MessageRecord, signal?: AbortSignal): Promise<void> {
    const { bot, guard, metrics } = this.deps;
    if (record.senderId === bot.id) return; // its own replies (and notices) come back through the topic
    const question = promptQuestion(record.body, bot.username);
    if (question === undefined) return;
    if (!(await guard.claim(record.id))) {
      metrics.prompts.inc({ outcome: 'duplicate' });
      return;
    }
    const log = this.log.child({ promptId: record.id, roomId: record.roomId, userId: record.senderId });
    try {
      const admission = await guard.admit(record.senderId, record.roomId);
      if (admission.verdict !== 'ok') {
        metrics.prompts.inc({ outcome: 'rate_limited' });
        log.info({ limit: admission.verdict }, 'prompt over the rate limit');
        if (!admission.notify) return;
        const seconds = Math.max(1, Math.ceil(admission.retryAfterMs / 1000));
        const text = admission.verdict === 'user' ? REPLIES.userLimited(record.senderUsername, seconds) : REPLIES.roomLimited(seconds);
        await this.deliver(record, text);
        return;
      }
      if (!question) {
        await this.deliver(record, REPLIES.empty(bot.username));
        return;
      }
      const text = await this.answer(record, question, signal, log);
      await this.deliver(record, text);
    } catch (error) {
      metrics.deliveryFailures.inc();
      if (error instanceof ReplyRefusedError && !error.retriable) {
        // A reply the gateway will never take (a bug, or a room that is gone): consuming the record
        // again would only block its partition.
        log.error({ err: error }, 'reply refused for good; prompt dropped');
        return;
      }
      await guard.release(record.id).catch((releaseError: unknown) => log.warn({ err: releaseError }, 'could not release the prompt claim'));
      throw error;
    }
  }

  /** The model's answer, streamed into the room as it comes; on failure a short error text instead. */
  private async answer(record: MessageRecord, question: string, signal: AbortSignal | undefined, log: Logger): Promise<string> {
    const { bot, metrics } = this.deps;
    const context = await this.deps.context.before(record.roomId, record.id, this.deps.contextMessages);
    const turns = buildTurns({ name: bot.username, botId: bot.id, context, asker: record.senderUsername, question });
    const stream = new ReplyStream(
      { roomId: record.roomId, replyTo: record.id, replyId: replyIdOf(record.id) },
      (piece) => {
        metrics.streamPieces.inc();
        this.deps.replies.stream(piece);
      },
      this.deps.streamIntervalMs,
    );
    const stopFirst = metrics.firstTokenSeconds.startTimer();
    const stopAll = metrics.answerSeconds.startTimer();
    let first = true;
    try {
      for await (const piece of this.deps.model.stream(turns, signal)) {
        if (first) stopFirst();
        first = false;
        stream.write(piece);
        if (stream.written.length >= LIMITS.bodyMax) break; // the reply could not carry more
      }
      stopAll();
      metrics.prompts.inc({ outcome: 'answered' });
      return stream.written.trim() || REPLIES.noText;
    } catch (error) {
      if (signal?.aborted) throw error; // shutting down: the record is consumed again by the next worker
      const failure = error instanceof ModelError ? error.failure : 'network';
      metrics.prompts.inc({ outcome: failure === 'timeout' ? 'timeout' : 'model_error' });
      log.warn({ err: error, failure }, 'the model gave no complete answer');
      if (failure !== 'timeout') return REPLIES.modelError;
      const partial = stream.written.trim();
      return partial ? `${partial} ${REPLIES.cutShort}` : REPLIES.timeout(Math.round(this.deps.timeoutMs / 1000));
    } finally {
      stream.end();
    }
  }

  /** Sends the final reply as a normal message of the bot, cut to the body limit. */
  private async deliver(record: MessageRecord, text: string): Promise<void> {
    // Models can emit control characters, which no chat message may contain.
    const clean = text.replace(CONTROL_CHARS, '');
    const body = clean.length > LIMITS.bodyMax ? `${clean.slice(0, LIMITS.bodyMax - 1)}…` : clean;
    await this.deps.replies.send({ roomId: record.roomId, body, clientMsgId: replyIdOf(record.id) });
  }
}
