import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** One ack of a flood's sends, as the gateway answered it. */
export type FloodAck = { ok: boolean; error?: { code: string } };

/** A flood under way: `connected` once its socket is open, `acks` once every send is answered. */
export interface Flood {
  connected: Promise<void>;
  acks: Promise<FloodAck[]>;
}

/**
 * Sends `count` `message:send` events to `roomId` back to back from one socket of `token`, from a worker
 * thread with an event loop of its own (flood-worker.cjs), as an attacker's own process would. In the
 * test's event loop, 10,000 sends are written in one synchronous stretch, seconds long on a busy machine,
 * during which none of the test's other sockets can answer the gateway's pings (2.5 s to answer).
 */
export function floodFromWorker(url: string, token: string, roomId: string, count: number, timeoutMs = 60_000): Flood {
  const worker = new Worker(path.join(__dirname, 'flood-worker.cjs'), {
    workerData: { url, token, roomId, count, socketIoClient: require.resolve('socket.io-client') },
  });
  let connected!: () => void;
  const connectedPromise = new Promise<void>((resolve) => (connected = resolve));
  const acks = new Promise<FloodAck[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`flood: not all ${count} sends acked within ${timeoutMs} ms`)), timeoutMs);
    worker.once('exit', () => clearTimeout(timer));
    worker.on('message', (message: { connected?: true; acks?: FloodAck[]; error?: string }) => {
      if (message.connected) return connected();
      if (message.error) reject(new Error(`flood: ${message.error}`));
      else resolve(message.acks!);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`flood worker exited (${code}) before every ack`)));
  }).finally(() => void worker.terminate());
  acks.catch(() => undefined); // a caller that awaits only `connected` gets the rejection there
  // A refused connection settles `acks` (with the reason) and `connected` never: callers race the two.
  return { connected: Promise.race([connectedPromise, acks.then(() => undefined)]), acks };
}
