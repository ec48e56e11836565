import net from 'node:net';
import { nameOrPath } from '../which';
import { type ManagedProcess } from '../processes';

export interface RedisOptions {
  dir: string;
  port: number;
  /** Append-only persistence: on for `npm start`, off for throwaway test runs. */
  persistent: boolean;
}

export function redisProcess(options: RedisOptions): ManagedProcess {
  return {
    name: 'redis',
    dir: options.dir,
    command: nameOrPath('redis-server'),
    args: [
      '--port', String(options.port),
      '--bind', '127.0.0.1',
      '--dir', options.dir,
      '--save', '',
      '--appendonly', options.persistent ? 'yes' : 'no',
      '--daemonize', 'no',
      '--protected-mode', 'yes',
    ],
    isReady: () => redisPing(options.port),
    readyTimeoutMs: 15_000,
  };
}

/** Sends PING and expects +PONG: the server is up and serving commands. */
export function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
