import { Client } from 'pg';
import { type ChatSocket, connectSocket } from './client';
import { startSystem, type TestSystem, type TestSystemOptions } from './system';

/** What {@link useGatewaySystem} gives a suite; every field is usable inside its tests. */
export interface GatewaySuite {
  readonly system: TestSystem;
  /** The system's base URL (nginx, unless started without it). */
  readonly url: string;
  /** A PostgreSQL client on the system's database, for checking what was stored. */
  readonly db: Client;
  /** A socket on the shipped client's transport, connected (through nginx, or pinned to `gateway`); closed after the test. */
  connect(token: string, gateway?: string): Promise<ChatSocket>;
  /** Closes a socket the test made itself (e.g. with `createSocket`) after the test; returns it. */
  closeAfterTest(socket: ChatSocket): ChatSocket;
}

/**
 * The set-up of a suite that drives the gateways end to end: starts a system (two gateways behind nginx
 * by default) and a PostgreSQL client before the suite, closes the sockets a test connected after it,
 * and stops everything after the suite. Call it at the top level of a test file.
 */
export function useGatewaySystem(options: TestSystemOptions = { gateways: 2 }): GatewaySuite {
  let system: TestSystem | undefined;
  let db: Client | undefined;
  const sockets: ChatSocket[] = [];
  beforeAll(async () => {
    system = await startSystem(options);
    db = new Client({ connectionString: system.databaseUrl });
    await db.connect();
  }, 120_000);
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await db?.end();
    await system?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the gateway system is not started (use it inside a test)');
    return value;
  };
  return {
    get system() {
      return started(system);
    },
    get url() {
      return started(system).baseUrl;
    },
    get db() {
      return started(db);
    },
    async connect(token, gateway) {
      const socket = await connectSocket(started(system).baseUrl, token, { gateway });
      sockets.push(socket);
      return socket;
    },
    closeAfterTest(socket) {
      sockets.push(socket);
      return socket;
    },
  };
}
