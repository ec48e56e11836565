import type { AssistantStreamInput } from '@chat/protocol';

/**
 * Collects the pieces of one reply and sends them to the room in order, at most once per `intervalMs`
 * (tokens that arrive in between go out together): a fast model does not cost one fan-out per token.
 */
export class ReplyStream {
  private text = '';
  private pending = '';
  private seq = 0;
  private lastSentAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly head: Pick<AssistantStreamInput, 'roomId' | 'replyTo' | 'replyId'>,
    private readonly send: (piece: AssistantStreamInput) => void,
    private readonly intervalMs: number,
  ) {}

  /** Everything written so far. */
  get written(): string {
    return this.text;
  }

  write(delta: string): void {
    this.text += delta;
    this.pending += delta;
    if (this.timer) return;
    const wait = this.lastSentAt + this.intervalMs - Date.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Sends what is pending and the closing piece (`done: true`); nothing is sent after it. */
  end(): void {
    this.flush();
    this.emit('', true);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending) return;
    const delta = this.pending;
    this.pending = '';
    this.emit(delta, false);
  }

  private emit(delta: string, done: boolean): void {
    this.lastSentAt = Date.now();
    this.send({ ...this.head, seq: this.seq++, delta, done });
  }
}
