// A child process of the connections scenario: one process may open only as many sockets as its limit
// on open files allows (20,000 where it cannot be raised), so more sockets take more processes. Gets
// its share of users over IPC, opens their sockets, reports, holds them until told to close.
import type { BenchUser } from './population';
import { closeAll, connectAll } from './clients';
import type { BenchSocket } from './shipped-client';

/** Messages from the parent. */
export type WorkerCommand =
  | { kind: 'connect'; baseUrl: string; users: BenchUser[]; gateways: string[]; concurrency: number; sourceAddresses: number }
  | { kind: 'report' }
  | { kind: 'close' };

/** Messages to the parent. */
export type WorkerReport =
  | { kind: 'connected'; count: number }
  | { kind: 'status'; open: number; closed: number }
  | { kind: 'failed'; error: string }
  | { kind: 'closed' };

const reply = (report: WorkerReport) => process.send!(report);
// Raw load-generator sockets only (no `shipped` members): this scenario measures what a gateway holds.
let clients: BenchSocket[] = [];
let closed = 0;

process.on('message', (command: WorkerCommand) => {
  if (command.kind === 'connect') {
    connectAll({ ...command, onClose: () => closed++ }).then(
      (opened) => {
        clients = opened;
        reply({ kind: 'connected', count: opened.length });
      },
      (error: unknown) => reply({ kind: 'failed', error: String(error) }),
    );
  } else if (command.kind === 'report') {
    reply({ kind: 'status', open: clients.filter((c) => c.isOpen).length, closed });
  } else {
    void closeAll(clients).then(() => {
      reply({ kind: 'closed' });
      process.disconnect();
    });
  }
});
