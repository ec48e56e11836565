import type { ChatMessage } from '@chat/protocol';
import type { BenchUser } from './population';
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
  onClose?: (userIndex: number) => void;
  /** Called after each successful handshake (progress). */
  onConnected?: (connected: number) => void;
}

/**
 * Opens one authenticated socket per user through nginx, pinned alternately to each gateway. Fails on
 * the first refused handshake: a benchmark over a partial population would report nonsense.
 */
export async function connectAll(o: ConnectAllOptions): Promise<SioClient[]> {
  const clients: SioClient[] = new Array<SioClient>(o.users.length);
  let next = 0;
  let connected = 0;
  const worker = async () => {
    while (next < o.users.length) {
      const i = next++;
      clients[i] = await SioClient.connect({
        baseUrl: o.baseUrl,
        token: o.users[i]!.token,
        gateway: o.gateways[i % o.gateways.length],
        localAddress: o.sourceAddresses ? `127.0.0.${1 + (i % o.sourceAddresses)}` : undefined,
        onMessage: o.onMessage && ((message) => o.onMessage!(i, message)),
        onUpdate: o.onUpdate && ((message) => o.onUpdate!(i, message)),
        onClose: o.onClose && (() => o.onClose!(i)),
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
export async function closeAll(clients: readonly SioClient[]): Promise<void> {
  for (let i = 0; i < clients.length; i += 500) await Promise.all(clients.slice(i, i + 500).map((c) => c?.close()));
}
