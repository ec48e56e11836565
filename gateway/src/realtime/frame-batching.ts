import WebSocket from 'ws';
import { EVENT_BATCH } from '@chat/protocol';

/** What Socket.IO passes with an encoded packet to a connection (socket.io `Client.writeToEngine`). */
interface WriteOptions {
  preEncoded?: boolean;
  volatile?: boolean;
  compress?: boolean;
  wsPreEncodedFrame?: unknown;
}

/** The one method of a Socket.IO `Client` (one per connection) that every packet to it passes through. */
export interface EngineWriter {
  writeToEngine(encodedPackets: unknown, options: WriteOptions): void;
}

/** How a gateway batches the frames of the connections that asked for it. */
export interface FrameBatcherOptions {
  /**
   * How long a connection's first queued event waits for more, in ms. 0 (the default): until the end of
   * the current turn of the event loop, which batches what one read of the Redis stream brought and adds
   * no timer. More trades latency for fewer frames under load (Centrifugo's write delay).
   */
  delayMs?: number;
  /** Called with the number of events of every batch written (one frame for that many events). */
  onBatch?: (events: number) => void;
}

/** Batches the frames of connections (see {@link createFrameBatcher}). */
export interface FrameBatcher {
  /** From now on, the connection's broadcast events may leave in batches; everything else, in order, as before. */
  adopt(client: EngineWriter): void;
}

/** ws's frame builder (exported by ws, untyped in @types/ws): what socket.io-adapter pre-encodes broadcasts with. */
const { Sender } = WebSocket as unknown as {
  Sender: { frame(data: Buffer, options: { readOnly: boolean; mask: boolean; rsv1: boolean; opcode: number; fin: boolean }): Buffer[] };
};
if (typeof Sender?.frame !== 'function') throw new Error('ws has no Sender.frame: frame batching cannot pre-encode its frames (see frame-batching.ts)');

interface Queued {
  encoded: string[];
  options: WriteOptions;
}

interface Connection {
  write: (encodedPackets: unknown, options: WriteOptions) => void;
  queue: Queued[];
}

/**
 * Per connection that asked for it, the events of the room broadcasts that reach it within one turn of the
 * event loop (or `delayMs`) leave in one WebSocket frame: `events:batch` with the events in order, each
 * with the arguments and recovery offset it would have had alone (protocol/src/event-batch.ts). One event
 * alone leaves as it always did, in the frame Socket.IO encoded once for the whole broadcast.
 *
 * Order on the connection is kept whole: any other packet (an ack, a direct emit, a replay) first writes
 * what is queued. A batch is encoded once per distinct run of broadcasts: the members of a room get the
 * same runs, so one room's batch is built once per flush and its frame shared, like Socket.IO's own.
 */
export function createFrameBatcher(options: FrameBatcherOptions = {}): FrameBatcher {
  const delayMs = options.delayMs ?? 0;
  const dirty = new Set<Connection>();
  /** A number per broadcast (its encoded packets are one array shared by all its receivers). */
  const broadcastIds = new WeakMap<string[], number>();
  let nextBroadcastId = 0;
  let scheduled = false;

  const idOf = (encoded: string[]) => {
    let id = broadcastIds.get(encoded);
    if (id === undefined) broadcastIds.set(encoded, (id = nextBroadcastId++));
    return id;
  };

  function flush(connection: Connection, batches?: Map<string, Queued>): void {
    const { queue } = connection;
    if (queue.length === 0) return;
    connection.queue = [];
    if (queue.length === 1) return connection.write(queue[0]!.encoded, queue[0]!.options);
    const key = queue.map((item) => idOf(item.encoded)).join(',');
    let batch = batches?.get(key);
    if (!batch) {
      batch = encodeBatch(queue);
      batches?.set(key, batch);
    }
    options.onBatch?.(queue.length);
    connection.write(batch.encoded, batch.options);
  }

  function flushAll(): void {
    scheduled = false;
    const batches = new Map<string, Queued>();
    for (const connection of dirty) flush(connection, batches);
    dirty.clear();
  }

  function schedule(connection: Connection): void {
    dirty.add(connection);
    if (scheduled) return;
    scheduled = true;
    if (delayMs > 0) setTimeout(flushAll, delayMs);
    else setImmediate(flushAll);
  }

  return {
    adopt(client) {
      const connection: Connection = { write: client.writeToEngine.bind(client), queue: [] };
      client.writeToEngine = (encodedPackets, writeOptions) => {
        if (isBatchable(encodedPackets, writeOptions)) {
          connection.queue.push({ encoded: encodedPackets, options: writeOptions });
          schedule(connection);
          return;
        }
        flush(connection);
        connection.write(encodedPackets, writeOptions);
      };
    },
  };
}

/**
 * A broadcast's event on the main namespace: pre-encoded by the adapter, one text packet `2[...]` (no
 * namespace, no ack id), not volatile (a volatile packet may be dropped alone, so it is not held).
 */
function isBatchable(encoded: unknown, options: WriteOptions): encoded is string[] {
  if (!options.preEncoded || options.volatile || !Array.isArray(encoded) || encoded.length !== 1) return false;
  const packet: unknown = encoded[0];
  return typeof packet === 'string' && packet.startsWith('2[');
}

/** `2["events:batch",[<event>,...],<the last offset>]`, built from the encoded events without parsing them. */
function encodeBatch(queue: Queued[]): Queued {
  const events = queue.map((item) => item.encoded[0]!.slice(1));
  // The last offset among the events: where the client's offset would stand after them one by one.
  let offset: string | undefined;
  for (let i = events.length - 1; i >= 0 && offset === undefined; i--) offset = trailingString(events[i]!);
  const packet = `2[${JSON.stringify(EVENT_BATCH)},[${events.join(',')}]${offset === undefined ? '' : `,${offset}`}]`;
  // As socket.io-adapter does for a broadcast: the WebSocket frame made once, written to every receiver.
  const wsPreEncodedFrame = Sender.frame(Buffer.from(`4${packet}`), { readOnly: false, mask: false, rsv1: false, opcode: 1, fin: true });
  return { encoded: [packet], options: { preEncoded: true, wsPreEncodedFrame } };
}

/**
 * The last element of an encoded event (a JSON array) when it is a string, as JSON text: what
 * socket.io-client takes for the recovery offset of the event. A JSON string holds no unescaped quote,
 * so the first unescaped quote before the closing one opens it.
 */
export function trailingString(array: string): string | undefined {
  if (!array.endsWith('"]')) return undefined;
  for (let i = array.length - 3; i > 0; i--) {
    if (array[i] !== '"') continue;
    let backslashes = 0;
    while (array[i - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 1) continue;
    return array[i - 1] === ',' ? array.slice(i, -1) : undefined;
  }
  return undefined;
}
