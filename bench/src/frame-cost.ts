// CPU per delivery of the gateway's fan-out write path, with and without frame batching, on one
// machine whatever its load (CPU time, not wall time): a Socket.IO server as the gateway builds it
// (connection state recovery, so every broadcast carries its offset; the gateway's own batcher) fans out
// to rooms of 20 raw WebSocket clients in a child process. Each round broadcasts BURST messages to every
// room in one turn of the event loop, as when one read of the Redis stream brings several of a room's
// messages (under load the reads grow: that is when batching has something to batch).
//   npx tsx bench/src/frame-cost.ts [burst ...]      e.g. npx tsx bench/src/frame-cost.ts 1 2 4 8
// Profiled: node --cpu-prof --cpu-prof-dir=DIR --import tsx bench/src/frame-cost.ts 4, then
// bench/src/profile-summary.ts --from/--to with the window each line prints.
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import WebSocket from 'ws';
import { createFrameBatcher, type EngineWriter } from '@chat/gateway';

const ROOMS = 50;
const ROOM_SIZE = 20;
/** Deliveries per measurement: enough for a second or more of CPU. */
const DELIVERIES = 100_000;
const PAYLOAD = {
  id: '0190a000-0000-7000-8000-0000000000aa',
  roomId: '0190a000-0000-7000-8000-0000000000bb',
  body: 'benchmark message: the quick brown fox jumps over the lazy dog',
  sender: { id: '0190a000-0000-7000-8000-0000000000cc', username: 'bench-user', displayName: 'Bench User' },
  createdAt: '2026-12-02T02:00:00.000Z',
  reactions: [],
  parentId: null,
};

interface Counts {
  deliveries: number;
  frames: number;
  cpuMs: number;
}

/** The child: ROOMS x ROOM_SIZE raw clients; answers `count` with what they received and the CPU it spent. */
function runClients(url: string, batch: boolean): void {
  let deliveries = 0;
  let frames = 0;
  let cpu = process.cpuUsage();
  let open = 0;
  for (let i = 0; i < ROOMS * ROOM_SIZE; i++) {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
    ws.on('message', (data: Buffer) => {
      const frame = data.toString();
      if (frame.startsWith('0')) return void ws.send(`40${JSON.stringify({ batch, room: i % ROOMS })}`);
      if (frame === '2') return void ws.send('3');
      if (frame.startsWith('40')) return void (++open === ROOMS * ROOM_SIZE && process.send!('ready'));
      frames++;
      const [event, payload] = JSON.parse(frame.slice(2)) as [string, unknown];
      deliveries += event === 'events:batch' ? (payload as unknown[]).length : 1;
    });
  }
  process.on('message', (command) => {
    if (command === 'reset') {
      deliveries = frames = 0;
      cpu = process.cpuUsage();
      return void process.send!('reset');
    }
    const used = process.cpuUsage(cpu);
    process.send!({ deliveries, frames, cpuMs: (used.user + used.system) / 1000 } satisfies Counts);
  });
}

function ask<T>(child: ReturnType<typeof fork>, command: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (answer) => resolve(answer as T));
    child.send(command);
  });
}

async function measure(burst: number, batching: boolean): Promise<string> {
  const httpServer = http.createServer();
  const io = new Server(httpServer, { connectionStateRecovery: {}, pingInterval: 60_000 });
  const batcher = createFrameBatcher();
  io.on('connection', (socket) => {
    if (batching && socket.handshake.auth?.batch === true) batcher.adopt(socket.client as unknown as EngineWriter);
    void socket.join(`room-${String(socket.handshake.auth?.room)}`);
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const child = fork(__filename, ['--clients', url, String(batching)]);
  await new Promise((resolve) => child.once('message', resolve));
  await ask(child, 'reset');
  const rounds = Math.ceil(DELIVERIES / (ROOMS * ROOM_SIZE * burst));
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const startedAt = Date.now();
  for (let round = 0; round < rounds; round++) {
    for (let room = 0; room < ROOMS; room++) for (let m = 0; m < burst; m++) io.to(`room-${room}`).emit('message:new', PAYLOAD);
    // The next turn of the loop, and a moment for the writes to drain, as between two stream reads.
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const expected = rounds * ROOMS * ROOM_SIZE * burst;
  let counts = await ask<Counts>(child, 'count');
  while (counts.deliveries < expected) counts = await ask<Counts>(child, 'count');
  const server = process.cpuUsage(cpu);
  const serverMs = (server.user + server.system) / 1000;
  child.kill();
  io.close();
  const perDelivery = (ms: number) => ((1000 * ms) / expected).toFixed(2);
  return `burst ${burst}, batching ${batching ? 'on ' : 'off'}: ${expected} deliveries in ${counts.frames} frames (${(counts.frames / expected).toFixed(3)} a delivery), server ${perDelivery(serverMs)} us CPU a delivery, clients ${perDelivery(counts.cpuMs)} us, ${Math.round(performance.now() - wall)} ms wall (epoch ms ${startedAt}-${Date.now()}: profile-summary.ts --from/--to)`;
}

async function main(): Promise<void> {
  const bursts = process.argv.slice(2).map(Number);
  for (const burst of bursts.length > 0 ? bursts : [1, 2, 4]) {
    for (const batching of [false, true]) process.stdout.write(`${await measure(burst, batching)}\n`);
  }
  process.exit(0);
}

if (process.argv[2] === '--clients') runClients(process.argv[3]!, process.argv[4] === 'true');
else void main();
