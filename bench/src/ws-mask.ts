// Server CPU for 200,000 chat-sized client frames (masked by the client, unmasked by the server) on
// loopback: run it with and without WS_NO_BUFFER_UTIL=1 to see what the bufferutil add-on would save.
//   npx tsx bench/src/ws-mask.ts; WS_NO_BUFFER_UTIL=1 npx tsx bench/src/ws-mask.ts
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

const FRAMES = 200_000;
const FRAME = '420["message:send",{"roomId":"0190a000-0000-7000-8000-0000000000aa","clientMsgId":"b1-2","body":"benchmark message: the quick brown fox jumps over the lazy dog"}]';

const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
server.on('listening', () => {
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, { perMessageDeflate: false });
  const cpu = process.cpuUsage();
  const wall = performance.now();
  let received = 0;
  server.on('connection', (socket) =>
    socket.on('message', () => {
      if (++received < FRAMES) return;
      const used = process.cpuUsage(cpu);
      process.stdout.write(`${process.env.WS_NO_BUFFER_UTIL ? 'without' : 'with'} bufferutil: ${Math.round((used.user + used.system) / 1000)} ms CPU, ${Math.round(performance.now() - wall)} ms wall for ${FRAMES} frames\n`);
      process.exit(0);
    }),
  );
  client.on('open', () => {
    let sent = 0;
    const pump = () => {
      while (sent < FRAMES && client.bufferedAmount < 1 << 20) {
        client.send(FRAME);
        sent++;
      }
      if (sent < FRAMES) setImmediate(pump);
    };
    pump();
  });
});
