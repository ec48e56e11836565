import net from 'node:net';

/** A TCP forwarder in front of a real service, which a fault test can cut and restore. */
export interface TcpProxy {
  /** Loopback port the proxy listens on (the same after a restore). */
  readonly port: number;
  /** Connections open through the proxy now. */
  connections(): number;
  /** Closes every open connection and refuses new ones (the service looks down to its clients). */
  cut(): Promise<void>;
  /** Accepts and forwards connections again, on the same port. */
  restore(): Promise<void>;
  /** Stops the proxy for good. */
  close(): Promise<void>;
}

/** Options of {@link startTcpProxy}. */
export interface TcpProxyOptions {
  targetHost: string;
  targetPort: number;
  /** Port to listen on; default a free one chosen by the system. */
  port?: number;
}

/**
 * Starts a TCP proxy on 127.0.0.1 forwarding every connection to the target. Used to take a shared
 * service (the run's PostgreSQL) away from one process under test without stopping it for the others.
 */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  const clients = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };
  const server = net.createServer((client) => {
    track(client);
    clients.add(client);
    client.once('close', () => clients.delete(client));
    const upstream = net.connect(options.targetPort, options.targetHost);
    track(upstream);
    // Either side failing ends both, as a real network path would.
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once('error', end).once('close', end);
    upstream.once('error', end).once('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  const stopListening = () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  const dropAll = () => {
    for (const socket of open) socket.destroy();
  };

  const port = await listen(options.port ?? 0);
  return {
    port,
    connections: () => clients.size,
    cut: async () => {
      const closed = stopListening();
      dropAll();
      await closed;
    },
    restore: async () => {
      if (!server.listening) await listen(port);
    },
    close: async () => {
      const closed = stopListening();
      dropAll();
      await closed;
    },
  };
}
