import type { ChatMessage } from '@chat/protocol';
import type { BenchUser } from './population';
import { type BenchSocket, ShippedClient } from './shipped-client';
import { SioClient } from './sio-client';

export interface ConnectAllOptions {
  baseUrl: string;
  users: readonly BenchUser[];
  /** Gateway ids to pin sockets to, round robin (half on each of two gateways). */
  gateways: readonly string[];
  /** Handshakes in flight at once: enough to keep both gateways busy, few enough not to time out. */
  concurrency?: number;
  /** Loopback source addresses, round robin: each gives another ~28,000 ephemeral ports. */
  sourceAddresses?: number;
  onMessage?: (userIndex: number, message: ChatMessage) => void;
  onUpdate?: (userIndex: number, message: ChatMessage) => void;
  /** Called when a raw socket closes after its handshake, with the WebSocket close code. */
  onClose?: (userIndex: number, code: number) => void;
  /**
   * Users (indexes) whose socket is the shipped `@chat/client` rather than the raw load generator:
   * the few members whose figures are what a person's client sees (see {@link pickShippedMembers}).
   */
  shipped?: ReadonlySet<number>;
  /** Every socket asks for frame batching (`events:batch`); default false. */
  batch?: boolean;
  /** Called after each successful handshake (progress). */
  onConnected?: (connected: number) => void;
}

/**
 * Opens one authenticated socket per user through nginx, pinned alternately to each gateway. Fails on
 * the first refused handshake: a benchmark over a partial population would report nonsense.
 */
export async function connectAll(o: ConnectAllOptions): Promise<BenchSocket[]> {
  const clients: BenchSocket[] = new Array<BenchSocket>(o.users.length);
  let next = 0;
  let connected = 0;
  const worker = async () => {
    while (next < o.users.length) {
      const i = next++;
      const gateway = o.gateways[i % o.gateways.length];
      const onMessage = o.onMessage && ((message: ChatMessage) => o.onMessage!(i, message));
      const onUpdate = o.onUpdate && ((message: ChatMessage) => o.onUpdate!(i, message));
      if (o.shipped?.has(i)) {
        clients[i] = await ShippedClient.connect({ baseUrl: o.baseUrl, token: o.users[i]!.token, gateway, batch: o.batch ?? false, onMessage, onUpdate });
        o.onConnected?.(++connected);
        continue;
      }
      clients[i] = await SioClient.connect({
        baseUrl: o.baseUrl,
        token: o.users[i]!.token,
        gateway,
        batch: o.batch,
        localAddress: o.sourceAddresses ? `127.0.0.${1 + (i % o.sourceAddresses)}` : undefined,
        onMessage,
        onUpdate,
        onClose: o.onClose && ((code: number) => o.onClose!(i, code)),
      });
      o.onConnected?.(++connected);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 64, o.users.length) }, worker));
  } catch (error) {
    await closeAll(clients.filter(Boolean));
    throw error;
  }
  return clients;
}

/** Closes every socket, a batch at a time (a thousand closes at once would only queue in the kernel). */
export async function closeAll(clients: readonly BenchSocket[]): Promise<void> {
  for (let i = 0; i < clients.length; i += 500) await Promise.all(clients.slice(i, i + 500).map((c) => c?.close()));
}

/**
 * Up to `most` members, spread over the rooms (each room's first member, then each room's second, …),
 * to connect with the shipped client: enough to measure what it sees in every kind of room, few enough
 * that socket.io-client's cost per frame does not load the generator.
 */
export function pickShippedMembers(rooms: readonly { members: readonly number[] }[], most: number): Set<number> {
  const picked = new Set<number>();
  for (let position = 0; picked.size < most; position++) {
    const before = picked.size;
    for (const room of rooms) if (picked.size < most && position < room.members.length) picked.add(room.members[position]!);
    if (picked.size === before) break;
  }
  return picked;
}
