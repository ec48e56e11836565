import { ERROR_CODES, type ErrorCode } from '@chat/protocol';
import type { ChatSocket } from './chat-socket';
import { isRetriable } from './acks';

/** How a socket is kept connected; every field has a default. */
export interface KeepConnectedOptions {
  /** First wait before trying a refused handshake again, in ms; it doubles up to `retryMaxMs`. Default 500. */
  retryMinMs?: number;
  /** Longest wait between tries of a refused handshake, in ms. Default 5000. */
  retryMaxMs?: number;
  /**
   * How long a (re)connection may go without any sign of progress (a connect, or an error) before it
   * is started over, in ms. Default 8000.
   */
  connectWatchdogMs?: number;
  /**
   * Called when the server refused the token (missing, expired or forged). When it resolves true
   * (a fresh token was obtained) the handshake is tried again at once, once per refusal in a row;
   * false, or no callback, ends the session: `onUnauthorized`.
   */
  refreshToken?: () => Promise<boolean>;
  /** The server refused the token for good: the session has ended. */
  onUnauthorized?: (error: Error) => void;
}

/** Stops what {@link keepConnected} set up; `watch` arms the watchdog for a connection being opened. */
export interface ConnectionKeeper {
  watch(): void;
  stop(): void;
}

/** The catalogue code a refused handshake carries (in `data.code`, or as the message). */
export function handshakeErrorCode(error: Error & { data?: { code?: unknown } }): ErrorCode | undefined {
  const code = error.data?.code ?? error.message;
  return (ERROR_CODES as readonly unknown[]).includes(code) ? (code as ErrorCode) : undefined;
}

/** Timers must not keep a Node process alive for a socket nobody waits on; browsers have no unref. */
function unref(timer: ReturnType<typeof setTimeout>): void {
  (timer as unknown as { unref?: () => void }).unref?.();
}

/**
 * Keeps a socket connected through what Socket.IO's client does not handle by itself:
 * - a handshake the server refuses with a retriable code (UNAVAILABLE while a gateway drains or its
 *   database is away, RATE_LIMITED) leaves the client inactive: it is tried again with backoff;
 * - a server that closes the socket on purpose (a gateway shutting down) is not reconnected either:
 *   it is, after the same backoff, to another gateway;
 * - Socket.IO waits without limit for the server's answer to its CONNECT packet, and a reconnection
 *   during a rolling restart was seen to hang there: an attempt with no sign of progress for
 *   `connectWatchdogMs` is started over;
 * - UNAUTHORIZED is final unless `refreshToken` brings a fresh token. Other refusals (FORBIDDEN...) are
 *   final too: trying again unchanged cannot help.
 */
export function keepConnected(socket: ChatSocket, options: KeepConnectedOptions = {}): ConnectionKeeper {
  const retryMinMs = options.retryMinMs ?? 500;
  const retryMaxMs = options.retryMaxMs ?? 5_000;
  const watchdogMs = options.connectWatchdogMs ?? 8_000;
  let backoff = retryMinMs;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  let refreshed = false;
  let stopped = false;

  const unwatch = () => {
    clearTimeout(watchdog);
    watchdog = undefined;
  };
  const watch = () => {
    unwatch();
    if (stopped) return;
    watchdog = setTimeout(() => {
      // Connected meanwhile, or kept offline on purpose (reconnection switched off): nothing to do.
      if (stopped || socket.connected || !socket.io.reconnection()) return;
      socket.disconnect();
      socket.connect();
      watch();
    }, watchdogMs);
    unref(watchdog);
  };
  const retryLater = () => {
    if (retryTimer !== undefined) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (!stopped && !socket.connected) socket.connect();
    }, backoff);
    unref(retryTimer);
    backoff = Math.min(backoff * 2, retryMaxMs);
  };
  const unauthorized = (error: Error) => {
    unwatch();
    if (!options.refreshToken || refreshed) return options.onUnauthorized?.(error);
    refreshed = true;
    options.refreshToken().then(
      (fresh) => {
        if (stopped) return;
        if (fresh) {
          watch();
          socket.connect();
        } else options.onUnauthorized?.(error);
      },
      () => !stopped && options.onUnauthorized?.(error),
    );
  };

  socket.on('connect', () => {
    backoff = retryMinMs;
    refreshed = false;
    clearTimeout(retryTimer);
    retryTimer = undefined;
    unwatch();
  });
  socket.on('disconnect', (reason) => {
    if (reason === 'io client disconnect') return unwatch(); // closed by this side on purpose
    watch();
    if (reason === 'io server disconnect') retryLater();
  });
  socket.on('connect_error', (error) => {
    if (stopped) return;
    watch(); // an answer is progress: the watchdog counts from here
    if (socket.active) return; // Socket.IO's own reconnection goes on
    const code = handshakeErrorCode(error);
    if (code === 'UNAUTHORIZED') return unauthorized(error);
    if (code !== undefined && !isRetriable(code)) return unwatch();
    retryLater();
  });

  return {
    watch,
    stop() {
      stopped = true;
      unwatch();
      clearTimeout(retryTimer);
    },
  };
}
