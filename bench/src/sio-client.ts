import WebSocket from 'ws';
import { type Ack, BATCH_AUTH_FLAG, type ChatMessage, type ErrorBody, EVENT_BATCH, type SendMessageInput } from '@chat/protocol';

/**
 * A lean Socket.IO client for load generation: one raw WebSocket speaking Engine.IO v4 and the Socket.IO
 * v5 packet format on the default namespace, nothing else (no reconnection, no buffering, no polling).
 * socket.io-client costs several times more CPU per frame; on a 2-core machine every cycle the load
 * generator saves is a cycle the system under test gets.
 *
 * Frames: `0{...}` open, `2`/`3` ping/pong, `40{auth}` connect, `40{sid}` connected, `44{error}` refused,
 * `42[event, data]` event, `42<id>[event, data]` event with ack, `43<id>[answer]` ack.
 */
export interface SioClientOptions {
  /** Origin of the deployment, e.g. http://127.0.0.1:8080 (ws:// or http:// both work). */
  baseUrl: string;
  token: string;
  /** Pin to this gateway through nginx's affinity cookie (`chat_gw`); unset lets nginx choose. */
  gateway?: string;
  /** Source address of the TCP connection (spreads many sockets over several loopback addresses). */
  localAddress?: string;
  /** Ask for frame batching (`events:batch`, see protocol/src/event-batch.ts), as the shipped client does. */
  batch?: boolean;
  /** Called for every `message:new` this socket receives. */
  onMessage?: (message: ChatMessage) => void;
  /** Called for every `message:updated` (an edit, a reaction, a thread's new reply) this socket receives. */
  onUpdate?: (message: ChatMessage) => void;
  /** Called when the connection ends after it was established. */
  onClose?: (code: number) => void;
}

export type SendAck = Ack<{ message: ChatMessage }>;

/**
 * Frames every client of this process received: how much a scenario cost the wire, whatever the
 * machine's load (presence is the other events while a big room connects).
 */
export const received = { frames: 0, messages: 0, updates: 0, otherEvents: 0, batches: 0 };

const MESSAGE_EVENT = '42["message:new",';
const UPDATE_EVENT = '42["message:updated",';
const BATCH_EVENT = `42["${EVENT_BATCH}",`;

export class SioClient {
  private readonly ws: WebSocket;
  private nextAckId = 0;
  private readonly pendingAcks = new Map<number, (answer: SendAck) => void>();
  private connected = false;
  /** The gateway that answered the handshake (from the x-gateway-id response header). */
  gatewayId: string | undefined;

  private constructor(private readonly options: SioClientOptions, onReady: (error?: Error) => void) {
    const url = new URL('/socket.io/?EIO=4&transport=websocket', options.baseUrl.replace(/^http/, 'ws'));
    this.ws = new WebSocket(url, {
      perMessageDeflate: false,
      headers: options.gateway ? { cookie: `chat_gw=${options.gateway}` } : undefined,
      localAddress: options.localAddress,
    });
    this.ws.on('upgrade', (response) => (this.gatewayId = response.headers['x-gateway-id'] as string | undefined));
    this.ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) return;
      this.onFrame(data.toString('utf8'), onReady);
    });
    this.ws.on('error', (error) => {
      if (!this.connected) onReady(error);
    });
    this.ws.on('close', (code) => {
      // The close first, then the acks it cut short: whoever counts them knows by then that the socket closed.
      if (this.connected) options.onClose?.(code);
      else onReady(new Error(`socket closed before the Socket.IO handshake completed (${code})`));
      this.connected = false;
      for (const resolve of this.pendingAcks.values()) resolve({ ok: false, error: { code: 'UNAVAILABLE', message: `socket closed (${code})` } });
      this.pendingAcks.clear();
    });
  }

  /** Opens the WebSocket, authenticates with the token and resolves once the namespace is connected. */
  static connect(options: SioClientOptions): Promise<SioClient> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const client: SioClient = new SioClient(options, (error) => {
        if (settled) return;
        settled = true;
        if (error) {
          client.ws.terminate();
          reject(error);
        } else resolve(client);
      });
    });
  }

  /** True between a successful handshake and the close of the socket. */
  get isOpen(): boolean {
    return this.connected;
  }

  /** Emits `message:send` and resolves with the server's ack (or an UNAVAILABLE ack if the socket closes first). */
  send(input: SendMessageInput): Promise<SendAck> {
    return this.request('message:send', input) as Promise<SendAck>;
  }

  /** Emits any acked event (`message:edit`, `reaction:add`...) and resolves with its ack. */
  request(event: string, payload: unknown): Promise<Ack<object>> {
    const id = this.nextAckId++;
    // A closed socket answers at once, as it answers what was in flight when it closed.
    if (this.ws.readyState !== WebSocket.OPEN) return Promise.resolve({ ok: false, error: { code: 'UNAVAILABLE', message: 'socket closed' } });
    return new Promise((resolve) => {
      this.pendingAcks.set(id, resolve as (answer: SendAck) => void);
      this.ws.send(`42${id}${JSON.stringify([event, payload])}`);
    });
  }

  /** Closes the socket (a clean WebSocket close, as a browser tab would). */
  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }

  private onFrame(frame: string, onReady: (error?: Error) => void): void {
    received.frames++;
    const engineType = frame.charCodeAt(0);
    if (engineType === 0x32 /* 2: ping */) return void this.ws.send('3');
    if (engineType === 0x30 /* 0: open */) {
      return void this.ws.send(`40${JSON.stringify({ token: this.options.token, ...(this.options.batch ? { [BATCH_AUTH_FLAG]: true } : {}) })}`);
    }
    if (engineType !== 0x34 /* 4: message */) return;
    const socketType = frame.charCodeAt(1);
    if (socketType === 0x32 /* 2: event */) {
      // Only messages are parsed (latency needs their ids); other events are counted, not read.
      if (frame.startsWith(UPDATE_EVENT)) {
        received.updates++;
        if (this.options.onUpdate) this.options.onUpdate((JSON.parse(frame.slice(2)) as [string, { message: ChatMessage }])[1].message);
        return;
      }
      if (frame.startsWith(BATCH_EVENT)) {
        received.batches++;
        const [, events] = JSON.parse(frame.slice(2)) as [string, [string, unknown][]];
        for (const [event, payload] of events) this.onEvent(event, payload);
        return;
      }
      if (!frame.startsWith(MESSAGE_EVENT)) return void received.otherEvents++;
      received.messages++;
      // Events from the server carry no ack id: the JSON array starts right after the type.
      const [, payload] = JSON.parse(frame.slice(2)) as [string, unknown];
      this.options.onMessage?.(payload as ChatMessage);
    } else if (socketType === 0x33 /* 3: ack */) {
      const bracket = frame.indexOf('[', 2);
      const id = Number(frame.slice(2, bracket));
      const resolve = this.pendingAcks.get(id);
      if (!resolve) return;
      this.pendingAcks.delete(id);
      resolve((JSON.parse(frame.slice(bracket)) as [SendAck])[0]);
    } else if (socketType === 0x30 /* 0: connect */) {
      this.connected = true;
      onReady();
    } else if (socketType === 0x34 /* 4: connect error */) {
      const body = JSON.parse(frame.slice(2)) as { message: string; data?: ErrorBody };
      onReady(new Error(`handshake refused: ${body.data?.code ?? body.message} ${body.data?.message ?? ''}`.trim()));
    } else if (socketType === 0x31 /* 1: disconnect */) {
      this.ws.close();
    }
  }

  /** One event of a batch, counted and handed on as if it had come in a frame of its own. */
  private onEvent(event: string, payload: unknown): void {
    if (event === 'message:new') {
      received.messages++;
      this.options.onMessage?.(payload as ChatMessage);
    } else if (event === 'message:updated') {
      received.updates++;
      this.options.onUpdate?.((payload as { message: ChatMessage }).message);
    } else received.otherEvents++;
  }
}
