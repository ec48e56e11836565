/* global __ENV, __VU */ // the k6 runtime provides these
// Fan-out load test for any deployment of the chat (k6 >= 0.54, k6/websockets and k6/timers):
// ROOMS rooms of ROOM_SIZE members, every member on its own WebSocket, each sending RATE messages/s
// for DURATION; measures send->deliver and send->ack latency and counts acks, deliveries and errors.
//
//   k6 run -e BASE_URL=https://chat.example.com -e ROOMS=20 -e ROOM_SIZE=20 -e RATE=0.5 -e DURATION=60s k6/fan-out.js
//
// Users: setup() signs up ROOMS x ROOM_SIZE users (k6-<run>-<n>) through the API and builds the rooms
// (POST /api/rooms, POST /api/rooms/:id/members, POST /api/invitations/:id/accept). Sign-ups are limited per client address
// (REGISTER_RATE_LIMIT per REGISTER_RATE_WINDOW_MS, default 30 a minute): setup waits out 429s, or raise
// the limit for the test. Sends are limited per user (MESSAGE_RATE_LIMIT per MESSAGE_RATE_WINDOW_MS,
// default 30 per 10 s): keep RATE at or below 3.
//
// The client speaks Socket.IO's wire protocol itself (k6 has no Socket.IO client): Engine.IO v4 frames
// `0{...}` open, `2`/`3` ping/pong, `4` + a Socket.IO packet: `40{auth}` connect, `42[event,data]`
// event, `42<id>[event,data]` event expecting an ack, `43<id>[answer]` the ack.
import http from 'k6/http';
import { check, fail, sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import { setInterval, setTimeout, clearInterval } from 'k6/timers';
import { WebSocket } from 'k6/websockets';

const BASE_URL = (__ENV.BASE_URL || 'http://localhost:8080').replace(/\/$/, '');
const ROOMS = Number(__ENV.ROOMS || 10);
const ROOM_SIZE = Number(__ENV.ROOM_SIZE || 20);
const RATE = Number(__ENV.RATE || 0.5); // messages per second per member
const DURATION = __ENV.DURATION || '60s';
const PASSWORD = 'k6 load test password';
const RUN = __ENV.RUN_ID || Math.random().toString(36).slice(2, 8);

const seconds = (text) => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  if (!m) fail(`DURATION must look like 60s, 2m or 1h, not "${text}"`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] || 's'];
};
const SEND_SECONDS = seconds(DURATION);
/** Time left after the last send for the last deliveries to arrive before a socket closes. */
const SETTLE_SECONDS = 5;

export const options = {
  scenarios: {
    fanout: {
      executor: 'per-vu-iterations',
      vus: ROOMS * ROOM_SIZE,
      iterations: 1,
      maxDuration: `${Math.ceil(SEND_SECONDS + SETTLE_SECONDS + 60)}s`,
    },
  },
  setupTimeout: '30m',
  thresholds: {
    chat_send_to_deliver_ms: ['p(99)<100'],
    chat_send_errors: ['count==0'],
    chat_socket_errors: ['count==0'],
  },
};

const sendToDeliver = new Trend('chat_send_to_deliver_ms', true);
const sendToAck = new Trend('chat_send_to_ack_ms', true);
const sent = new Counter('chat_messages_sent');
const acked = new Counter('chat_messages_acked');
const delivered = new Counter('chat_deliveries');
const sendErrors = new Counter('chat_send_errors');
const socketErrors = new Counter('chat_socket_errors');

function api(method, path, body, token) {
  const params = { headers: { 'content-type': 'application/json' } };
  if (token) params.headers.authorization = `Bearer ${token}`;
  for (;;) {
    const res = http.request(method, `${BASE_URL}${path}`, body === undefined ? null : JSON.stringify(body), params);
    // Sign-up is rate limited per address: wait as long as the server says, then try again.
    if (res.status === 429) {
      sleep(Number(res.headers['Retry-After'] || 5));
      continue;
    }
    return res;
  }
}

/** Signs up the users and builds the rooms; every VU gets one member (its token and room). */
export function setup() {
  const members = [];
  for (let r = 0; r < ROOMS; r++) {
    const users = [];
    for (let m = 0; m < ROOM_SIZE; m++) {
      const username = `k6-${RUN}-${r}-${m}`;
      const res = api('POST', '/api/auth/register', { username, password: PASSWORD });
      if (!check(res, { 'sign-up 201': (x) => x.status === 201 })) fail(`sign-up of ${username}: ${res.status} ${res.body}`);
      users.push({ username, token: res.json('token') });
    }
    const room = api('POST', '/api/rooms', { name: `k6 ${RUN} ${r}`, visibility: 'private' }, users[0].token);
    if (room.status !== 201) fail(`room creation: ${room.status} ${room.body}`);
    const roomId = room.json('room.id');
    for (const u of users.slice(1)) {
      // An invitation, which the invitee accepts: nobody is pulled into a private room.
      const res = api('POST', `/api/rooms/${roomId}/members`, { username: u.username }, users[0].token);
      if (res.status !== 201) fail(`inviting ${u.username}: ${res.status} ${res.body}`);
      const accepted = api('POST', `/api/invitations/${roomId}/accept`, {}, u.token);
      if (accepted.status !== 200) fail(`accepting for ${u.username}: ${accepted.status} ${accepted.body}`);
    }
    for (const u of users) members.push({ token: u.token, roomId });
  }
  return { members };
}

export default function (data) {
  const me = data.members[(__VU - 1) % data.members.length];
  const url = `${BASE_URL.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
  const ws = new WebSocket(url);
  const pendingAcks = {};
  let nextAck = 0;
  let seq = 0;
  let sender;

  ws.onmessage = (event) => {
    const frame = String(event.data);
    if (frame === '2') return ws.send('3');
    if (frame[0] === '0') return ws.send(`40${JSON.stringify({ token: me.token })}`);
    if (frame.startsWith('40')) return startSending();
    if (frame.startsWith('44')) {
      socketErrors.add(1);
      return ws.close();
    }
    if (frame.startsWith('42')) {
      const [name, message] = JSON.parse(frame.slice(2));
      if (name !== 'message:new') return;
      // Every body starts with its send time: latency across VUs on the same k6 host.
      const at = Number(String(message.body).split(' ')[0]);
      if (at > 0) {
        sendToDeliver.add(Date.now() - at);
        delivered.add(1);
      }
    } else if (frame.startsWith('43')) {
      const bracket = frame.indexOf('[');
      const id = frame.slice(2, bracket);
      const startedAt = pendingAcks[id];
      delete pendingAcks[id];
      const [answer] = JSON.parse(frame.slice(bracket));
      if (answer.ok) {
        acked.add(1);
        sendToAck.add(Date.now() - startedAt);
      } else sendErrors.add(1, { code: answer.error.code });
    }
  };
  ws.onerror = () => socketErrors.add(1);

  function startSending() {
    // Members start at random points of their interval so that a room's sends spread out.
    setTimeout(() => {
      sender = setInterval(() => {
        const id = nextAck++;
        const now = Date.now();
        pendingAcks[id] = now;
        sent.add(1);
        const input = { roomId: me.roomId, clientMsgId: `k6-${RUN}-${__VU}-${seq++}`, body: `${now} k6 load test message` };
        ws.send(`42${id}${JSON.stringify(['message:send', input])}`);
      }, 1000 / RATE);
    }, Math.random() * (1000 / RATE));
    setTimeout(() => clearInterval(sender), SEND_SECONDS * 1000);
    setTimeout(() => ws.close(), (SEND_SECONDS + SETTLE_SECONDS) * 1000);
  }
}
