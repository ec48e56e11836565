import { type AckedEvent, type ChatClient, createChatClient, openChatClient } from '@chat/client';
import type { ChatMessage, SendMessageInput } from '@chat/protocol';

/** A send's answer as the traffic drivers read it: the stored message, or an error code. */
export type BenchAck = { ok: true; message: ChatMessage } | { ok: false; error: { code: string; message: string } };

/** What the traffic drivers need of a member's socket: the raw load generator and the shipped client alike. */
export interface BenchSocket {
  /** True while connected. */
  readonly isOpen: boolean;
  /**
   * True once the socket has connected again after a drop (the shipped client does; the raw one never):
   * what such a socket receives may repeat what it had (a replay overlaps), which the client merges by id.
   */
  readonly reconnected?: boolean;
  send(input: SendMessageInput): Promise<BenchAck>;
  /** Emits any acked event (`message:edit`, `reaction:add`…) and resolves with its ack. */
  request(event: string, payload: unknown): Promise<{ ok: true } | { ok: false; error: { code: string; message: string } }>;
  close(): Promise<void>;
}

/** Where and as whom a {@link ShippedClient} connects, and what it is told. */
export interface ShippedClientOptions {
  baseUrl: string;
  token: string;
  /** Pin to this gateway through nginx's affinity cookie (`chat_gw`). */
  gateway?: string;
  /** Ask for frame batching (`events:batch`); @chat/client's default is true. */
  batch?: boolean;
  onMessage?: (message: ChatMessage) => void;
  /** Called for every `message:updated` (edits, deletions, reactions, reply counts). */
  onUpdate?: (message: ChatMessage) => void;
}

/** Attempts of one send: the shipped client resends with the same clientMsgId, but a benchmark step must end. */
const SEND_ATTEMPTS = 3;

/**
 * A benchmark member whose socket is `@chat/client`, the client the web app, the assistant and the
 * fault suite run (retry of refused handshakes, the CONNECT watchdog, typed acks, resend by
 * clientMsgId). The scenarios give a few members this client so that their figures are what a
 * person's client sees; the rest stay on the raw {@link SioClient}, several times cheaper per frame.
 */
export class ShippedClient implements BenchSocket {
  private connects = 0;

  private constructor(private readonly client: ChatClient) {
    client.onConnect(() => this.connects++);
  }

  get reconnected(): boolean {
    return this.connects > 1;
  }

  /** Connects and resolves once connected; rejects (closed) on a refused handshake. */
  static async connect(o: ShippedClientOptions): Promise<ShippedClient> {
    const client = createChatClient({
      url: o.baseUrl,
      token: () => o.token,
      transports: ['websocket'],
      batch: o.batch,
      extraHeaders: o.gateway ? { cookie: `chat_gw=${o.gateway}` } : undefined,
    });
    if (o.onMessage) client.on('message:new', o.onMessage);
    if (o.onUpdate) client.on('message:updated', ({ message }) => o.onUpdate!(message));
    await openChatClient(client).catch((error: Error) => {
      throw new Error(`the shipped client's handshake was refused: ${error.message}`);
    });
    return new ShippedClient(client);
  }

  get isOpen(): boolean {
    return this.client.connected;
  }

  async send(input: SendMessageInput): Promise<BenchAck> {
    const outcome = await this.client.send(input, { attempts: SEND_ATTEMPTS });
    return outcome.ok ? { ok: true, message: outcome.message } : { ok: false, error: outcome.error };
  }

  async request(event: string, payload: unknown): Promise<{ ok: true } | { ok: false; error: { code: string; message: string } }> {
    // The benchmark names events by string; the shipped client types them (a wrong name is the server's VALIDATION).
    return this.client.request(event as AckedEvent, payload as never) as Promise<{ ok: true } | { ok: false; error: { code: string; message: string } }>;
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
