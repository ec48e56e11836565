import type { ChatSocket } from './types';

/**
 * The acks a socket still owes, so that a gateway that closes transports on purpose (Redis came back, a
 * graceful stop) closes each one only once its answers are out. An ack lost that way sends the client's
 * retry to a Redis that may have forgotten the first attempt's claim: the retry would get a new id while
 * the first one is already on the log.
 */
export interface PendingAcks {
  /** Counts the socket's acked events from now on; call before its handlers are registered. */
  track(socket: ChatSocket): void;
  /** Resolves once the socket owes no ack, or after `maxWaitMs` (an ack never sent must not hold it open). */
  answered(socket: ChatSocket, maxWaitMs: number): Promise<void>;
  /** Closes the socket's transport (the client reconnects) once it owes no ack, or after `maxWaitMs`. */
  closeWhenAnswered(socket: ChatSocket, maxWaitMs: number): Promise<void>;
}

export function createPendingAcks(): PendingAcks {
  const owed = new WeakMap<ChatSocket, { count: number; waiters: (() => void)[] }>();

  const answered = (socket: ChatSocket, maxWaitMs: number) => {
    const state = owed.get(socket);
    if (!state || state.count === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, maxWaitMs);
      timer.unref();
      state.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  };

  return {
    track(socket) {
      const state = { count: 0, waiters: [] as (() => void)[] };
      owed.set(socket, state);
      socket.use((packet, next) => {
        const last = packet.length - 1;
        const ack = packet[last];
        if (last > 0 && typeof ack === 'function') {
          state.count++;
          let done = false;
          packet[last] = (...args: unknown[]) => {
            if (!done) {
              done = true;
              state.count--;
            }
            (ack as (...a: unknown[]) => void)(...args);
            if (state.count === 0) for (const wake of state.waiters.splice(0)) wake();
          };
        }
        next();
      });
    },
    answered,
    async closeWhenAnswered(socket, maxWaitMs) {
      await answered(socket, maxWaitMs);
      socket.conn.close();
    },
  };
}
