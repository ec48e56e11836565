import net from 'node:net';
import { LocalStackError } from './errors';

/** Resolves true when something accepts TCP connections on host:port. */
export function isListening(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A port the OS says is free now (bind to 0, read the port, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port of a listening socket'));
      });
    });
  });
}

/** Throws a clear error when another process already listens on a port a service needs. */
export async function assertPortFree(port: number, service: string): Promise<void> {
  if (await isListening(port)) {
    throw new LocalStackError(
      `port ${port} is already in use, so ${service} cannot start there. ` +
        `Find the process with \`ss -ltnp 'sport = :${port}'\` and stop it, or choose another port ` +
        `(see .env.example for the variables that set the ports).`,
    );
  }
}
