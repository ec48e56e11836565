import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LocalStackError } from './errors';

/** Where reservePort marks the ports it handed out, machine-wide (one directory per port). */
const RESERVATIONS = path.join(os.tmpdir(), 'chat-reserved-ports');
/** A reservation this old belongs to a process that died without releasing it. */
const STALE_RESERVATION_MS = 3_600_000;

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

/**
 * A free port that no other caller of this function on the machine holds: for a port chosen some seconds
 * before its process binds it (a test system picks nginx's first, since the gateways must name it), so
 * that another test system starting meanwhile cannot be handed the same one. One `mkdir` wins per port.
 */
export async function reservePort(): Promise<number> {
  fs.mkdirSync(RESERVATIONS, { recursive: true });
  for (;;) {
    const port = await freePort();
    const mark = path.join(RESERVATIONS, String(port));
    try {
      fs.mkdirSync(mark);
      return port;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (fs.statSync(mark, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_RESERVATION_MS) fs.rmSync(mark, { recursive: true, force: true });
    }
  }
}

/** Gives a reserved port back (its process has stopped). */
export function releasePort(port: number): void {
  fs.rmSync(path.join(RESERVATIONS, String(port)), { recursive: true, force: true });
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
