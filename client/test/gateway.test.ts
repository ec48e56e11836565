// @chat/client against the real platform: two gateways behind nginx, Redis, Kafka, PostgreSQL and the
// persister. What matters here is what a fake server cannot show: the gateway's own refusals, its
// recovery and history, and its dedupe of resends.
import crypto from 'node:crypto';
import type { ChatMessage, MessagesResponse } from '@chat/protocol';
import { api, createClient, eventually, openClient, startSystem, type TestSystem, roomOfTwo as twoInARoom } from '@chat/testing';
import { Client } from 'pg';
import { type ChatClient, followRooms } from '../src';

let system: TestSystem;
let db: Client;
const clients: ChatClient[] = [];

beforeAll(async () => {
  system = await startSystem({ gateways: 2 });
  db = new Client({ connectionString: system.databaseUrl });
  await db.connect();
}, 120_000);

afterAll(async () => {
  for (const c of clients.splice(0)) c.close();
  await db?.end();
  await system?.stop();
});

async function roomOfTwo() {
  const { alice: owner, bob: member, room } = await twoInARoom(system.baseUrl, { name: 'kit' });
  return { owner, member, room };
}

const track = (c: ChatClient) => (clients.push(c), c);

describe('@chat/client against the gateways', () => {
  it('asks for a fresh token when the gateway refuses one, and connects with it', async () => {
    const { member } = await roomOfTwo();
    let token = 'expired.or.forged';
    const presented: string[] = [];
    const client = track(
      createClient(system.baseUrl, undefined, {
        token: () => (presented.push(token), token),
        refreshToken: async () => {
          token = member.token;
          return true;
        },
      }),
    );
    await new Promise<void>((resolve) => {
      client.onConnect(() => resolve());
      client.open();
    });
    expect(presented).toEqual(['expired.or.forged', member.token]);
  });

  it('resends with the same clientMsgId after a lost ack, and the gateway stores the message once', async () => {
    const { owner, room } = await roomOfTwo();
    const client = track(await openClient(createClient(system.baseUrl, owner.token)));
    const input = { roomId: room.id, body: 'said once', clientMsgId: crypto.randomUUID() };
    // An ack cannot come back through nginx and Kafka within 1 ms: this attempt counts as lost.
    expect(await client.request('message:send', input, 1)).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    const outcome = await client.send(input);
    expect(outcome.ok).toBe(true);
    const rows = await eventually(
      async () => (await db.query('SELECT id::text FROM messages WHERE client_msg_id = $1', [input.clientMsgId])).rows,
      (r) => r.length > 0,
    );
    expect(rows).toEqual([{ id: outcome.ok && outcome.message.id }]);
  });

  it('after its gateway crashed, reconnects to the other one and catches up from history: every message once, in order', async () => {
    const { owner, member, room } = await roomOfTwo();
    const sender = track(await openClient(createClient(system.baseUrl, owner.token, { gateway: 'g2' })));
    const reader = track(createClient(system.baseUrl, member.token, { gateway: 'g1' }));
    const feed = followRooms(reader, {
      roomIds: [room.id],
      fetchPage: async (roomId, before, limit) =>
        (await api<MessagesResponse>(system.baseUrl, 'GET', `/api/rooms/${roomId}/messages?limit=${limit}${before ? `&before=${before}` : ''}`, { token: member.token })).body.messages,
    });
    const reconnected = new Promise<boolean>((resolve) => reader.onConnect(({ first, recovered }) => !first && resolve(recovered)));
    await openClient(reader);
    const acked: ChatMessage[] = [];
    const say = async (body: string) => {
      const outcome = await sender.send({ roomId: room.id, body, clientMsgId: crypto.randomUUID() });
      if (!outcome.ok) throw new Error(`send failed: ${outcome.error.code}`);
      acked.push(outcome.message);
    };
    await say('before the crash');
    await eventually(async () => feed.messages(room.id).length, (n) => n === 1);

    await system.gateways[0]!.kill();
    try {
      for (let i = 0; i < 5; i++) await say(`while away #${i}`);
      // A crashed gateway leaves no session to recover: what was missed comes from history.
      expect(await reconnected).toBe(false);
      await feed.caughtUp();
      await eventually(async () => feed.messages(room.id).length, (n) => n >= acked.length);
      expect(feed.messages(room.id).map((m) => m.id)).toEqual(acked.map((m) => m.id));
      expect(feed.catchUps).toBe(1);
    } finally {
      await system.gateways[0]!.start();
    }
  });
});
