// A flooding client in a worker thread of its own (testing/src/flood.ts): it writes its sends back to back
// on its own event loop, so that a stall of the flooder's writes is not also a stall of the test's other
// sockets, which share nothing with an attacker but the gateway.
const { parentPort, workerData } = require('node:worker_threads');
const { io } = require(workerData.socketIoClient);

const { url, token, roomId, count } = workerData;
const socket = io(url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
const acks = [];
const finish = (result) => {
  socket.close();
  parentPort.postMessage(result);
};
socket.once('connect_error', (error) => finish({ error: `connect_error: ${error.message}` }));
socket.once('disconnect', (reason) => acks.length < count && finish({ error: `disconnected after ${acks.length} acks: ${reason}`, acks }));
socket.once('connect', () => {
  parentPort.postMessage({ connected: true });
  for (let i = 0; i < count; i++) {
    socket.emit('message:send', { roomId, body: `flood ${i}`, clientMsgId: `flood-${i}` }, (ack) => {
      acks.push(ack);
      if (acks.length === count) finish({ acks });
    });
  }
});
