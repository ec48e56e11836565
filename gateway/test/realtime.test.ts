// The real-time path end to end, through nginx and two gateways, on the real Redis, Kafka and Postgres.
import crypto from 'node:crypto';
import type { ChatMessage } from '@chat/protocol';
import { api, type ChatSocket, collect, createSocket, eventually, nextEvent, registerUser, roomOfTwo as twoInARoom, useGatewaySystem } from '@chat/testing';

const suite = useGatewaySystem({ gateways: 2 });

const { connect } = suite;

const clientMsgId = () => crypto.randomUUID();

function send(socket: ChatSocket, roomId: string, body: string, id = clientMsgId()) {
  return socket.timeout(15_000).emitWithAck('message:send', { roomId, body, clientMsgId: id });
}

const roomOfTwo = (visibility: 'public' | 'private' = 'private') => twoInARoom(suite.url, { visibility });

async function persisted(ids: string[]) {
  return eventually(
    async () => (await suite.db.query<{ id: string }>('SELECT id::text FROM messages WHERE id = ANY($1::uuid[])', [ids])).rows.map((r) => r.id),
    (rows) => rows.length >= ids.length,
    20_000,
    `${ids.length} messages persisted`,
  );
}

describe('two gateways behind nginx', () => {
  it('pins sockets to the gateway their affinity cookie names', async () => {
    const { alice } = await roomOfTwo();
    for (const gateway of ['g1', 'g2']) {
      const response = await api(suite.url, 'GET', '/api/me', { token: alice.token, headers: { cookie: `chat_gw=${gateway}` } });
      expect(response.headers.get('x-gateway-id')).toBe(gateway);
    }
    const fresh = await api(suite.url, 'GET', '/api/me', { token: alice.token });
    expect(fresh.headers.get('set-cookie')).toMatch(/^chat_gw=g[12]; Path=\//);
  });

  it('users on different gateways exchange messages both ways, in order, and every one is stored once', async () => {
    const { alice, bob, room } = await roomOfTwo();
    const a = await connect(alice.token, 'g1');
    const b = await connect(bob.token, 'g2');
    const atBob = collect(b, 'message:new');
    const atAlice = collect(a, 'message:new');

    const fromAlice: ChatMessage[] = [];
    for (let i = 0; i < 10; i++) {
      const ack = await send(a, room.id, `alice ${i}`);
      expect(ack).toMatchObject({ ok: true });
      if (ack.ok) fromAlice.push(ack.message);
    }
    const ackFromBob = await send(b, room.id, 'hi alice');
    expect(ackFromBob.ok).toBe(true);
    const fromBob = ackFromBob.ok ? ackFromBob.message : undefined;

    await eventually(async () => atBob.length, (n) => n === 11, 10_000, 'bob receives 11 messages');
    await eventually(async () => atAlice.length, (n) => n === 11, 10_000, 'alice receives 11 messages');
    expect(atBob.slice(0, 10).map((m) => m.body)).toEqual(fromAlice.map((m) => m.body));
    expect(atBob.map((m) => m.id)).toEqual([...atBob.map((m) => m.id)].sort());
    expect(atAlice.at(-1)).toEqual(fromBob);
    expect(fromBob).toMatchObject({ roomId: room.id, body: 'hi alice', sender: bob.user });

    const ids = [...fromAlice.map((m) => m.id), fromBob!.id];
    await persisted(ids);
    const history = await api<{ messages: ChatMessage[] }>(suite.url, 'GET', `/api/rooms/${room.id}/messages?limit=50`, { token: bob.token });
    expect(history.status).toBe(200);
    expect(history.body.messages.map((m) => m.id)).toEqual(ids);
    expect(history.body.messages[0]).toEqual(fromAlice[0]);
  });

  it('a resend with the same clientMsgId acks the same message and stores nothing new', async () => {
    const { alice, bob, room } = await roomOfTwo();
    const a = await connect(alice.token, 'g1');
    const b = await connect(bob.token, 'g2');
    const atBob = collect(b, 'message:new');
    const id = clientMsgId();
    const first = await send(a, room.id, 'only once', id);
    const again = await send(a, room.id, 'only once', id);
    const viaOtherGateway = await send(await connect(alice.token, 'g2'), room.id, 'only once', id);
    expect(first.ok && again.ok && viaOtherGateway.ok).toBe(true);
    if (!first.ok || !again.ok || !viaOtherGateway.ok) return;
    expect(again.message).toEqual(first.message);
    expect(viaOtherGateway.message).toEqual(first.message);
    await persisted([first.message.id]);
    const rows = await suite.db.query('SELECT id FROM messages WHERE room_id = $1', [room.id]);
    expect(rows.rowCount).toBe(1);
    await eventually(async () => atBob.length, (n) => n >= 1, 5_000, 'delivery');
    expect(atBob.filter((m) => m.id === first.message.id)).toHaveLength(1);
  });

  it('a non-member can neither send to nor read the history of a private room', async () => {
    const { room, alice } = await roomOfTwo();
    const mallory = await registerUser(suite.url);
    const m = await connect(mallory.token);
    const ack = await send(m, room.id, 'let me in');
    expect(ack).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: expect.any(String) } });
    for (const path of [`/api/rooms/${room.id}/messages`, `/api/rooms/${room.id}/members`]) {
      const res = await api(suite.url, 'GET', path, { token: mallory.token });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: { code: 'FORBIDDEN', message: expect.any(String) } });
    }
    const join = await api(suite.url, 'POST', `/api/rooms/${room.id}/join`, { token: mallory.token });
    expect(join.status).toBe(404);
    const invite = await api(suite.url, 'POST', `/api/rooms/${room.id}/members`, { token: mallory.token, body: { username: alice.user.username } });
    expect(invite.status).toBe(403);
  });

  it('rejects a handshake with a missing, forged or expired token with a clear error', async () => {
    const { alice } = await roomOfTwo();
    const [header, payload] = alice.token.split('.');
    const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const expired = `${header}.${Buffer.from(JSON.stringify({ ...claims, exp: 1 })).toString('base64url')}.x`;
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    for (const token of [undefined, 'garbage', forged, expired, none]) {
      const socket = createSocket(suite.url, token);
      const error = await new Promise<Error & { data?: unknown }>((resolve) => socket.once('connect_error', resolve));
      socket.close();
      expect(error.message).toBe('UNAUTHORIZED');
      expect(error.data).toEqual({ code: 'UNAUTHORIZED', message: expect.any(String) });
    }
  });

  it('answers malformed and oversized sends with VALIDATION and keeps serving other users', async () => {
    const { alice, bob, room } = await roomOfTwo();
    const a = await connect(alice.token, 'g1');
    const b = await connect(bob.token, 'g1');
    const bad: unknown[] = [
      null,
      'just a string',
      { roomId: room.id, body: '', clientMsgId: 'x' },
      { roomId: room.id, body: '   ', clientMsgId: 'x' },
      { roomId: room.id, body: 'x'.repeat(4001), clientMsgId: 'x' },
      { roomId: 'not-a-uuid', body: 'hi', clientMsgId: 'x' },
      { roomId: room.id, body: 42, clientMsgId: 'x' },
      { roomId: room.id, body: 'nul \u0000 byte', clientMsgId: 'x' },
      { roomId: room.id, body: 'hi', clientMsgId: 'x', extra: true },
      { roomId: room.id, body: 'hi', clientMsgId: 'has spaces' },
    ];
    for (const input of bad) {
      const ack = await a.timeout(5_000).emitWithAck('message:send', input as never);
      expect(ack).toEqual({ ok: false, error: { code: 'VALIDATION', message: expect.any(String) } });
    }
    // A packet over the size limit closes only that connection.
    const huge = await connect(alice.token, 'g1');
    const closed = new Promise((resolve) => huge.once('disconnect', resolve));
    huge.emit('message:send', { roomId: room.id, body: 'x'.repeat(100_000), clientMsgId: 'big' }, () => undefined);
    await closed;

    // Listening before sending: the broadcast can reach alice before bob's ack reaches bob.
    const delivered = nextEvent(a, 'message:new', (m) => m.body === 'still working');
    const ok = await send(b, room.id, 'still working');
    expect(ok.ok).toBe(true);
    expect(await delivered).toMatchObject({ body: 'still working' });
  });

  it('a client that reconnects within the recovery window, to the other gateway, gets what it missed', async () => {
    const { alice, bob, room } = await roomOfTwo();
    const a = await connect(alice.token, 'g1');
    const b = createSocket(suite.url, bob.token, { gateway: 'g1', reconnection: false });
    suite.closeAfterTest(b);
    await new Promise<void>((resolve) => b.once('connect', () => resolve()));
    const seen = collect(b, 'message:new');
    const before = await send(a, room.id, 'before the drop');
    await eventually(async () => seen.length, (n) => n === 1, 5_000, 'first delivery');

    // The connection drops (as when a phone loses its network); messages keep coming.
    const dropped = new Promise((resolve) => b.once('disconnect', resolve));
    (b.io.engine as unknown as { close(): void }).close();
    await dropped;
    const missed: ChatMessage[] = [];
    for (const body of ['missed 1', 'missed 2', 'missed 3']) {
      const ack = await send(a, room.id, body);
      if (ack.ok) missed.push(ack.message);
    }
    // Back, through the other gateway.
    b.io.opts.extraHeaders = { cookie: 'chat_gw=g2' };
    b.connect();
    await new Promise<void>((resolve) => b.once('connect', () => resolve()));
    expect(b.recovered).toBe(true);
    await eventually(async () => seen.length, (n) => n === 4, 10_000, 'missed messages replayed');
    expect(seen.map((m) => m.body)).toEqual(['before the drop', 'missed 1', 'missed 2', 'missed 3']);
    expect(seen.slice(1)).toEqual(missed);
    expect(before.ok).toBe(true);
  });

  it('answers a burst over the per-user limit with RATE_LIMITED', async () => {
    const { alice, room } = await roomOfTwo();
    const a = await connect(alice.token);
    const acks = await Promise.all(Array.from({ length: 40 }, (_, i) => send(a, room.id, `burst ${i}`)));
    const limited = acks.filter((ack) => !ack.ok && ack.error.code === 'RATE_LIMITED');
    expect(acks.filter((ack) => ack.ok)).toHaveLength(30);
    expect(limited).toHaveLength(10);
  });

  it('SIGTERM drains a gateway: its clients move to the other gateway and recover what they missed', async () => {
    const { alice, bob, room } = await roomOfTwo();
    const a = await connect(alice.token, 'g2');
    const b = createSocket(suite.url, bob.token, { gateway: 'g1', reconnection: true });
    suite.closeAfterTest(b);
    await new Promise<void>((resolve) => b.once('connect', () => resolve()));
    const seen = collect(b, 'message:new');
    const g1 = suite.system.gateways.find((g) => g.id === 'g1')!;

    // Recovery replays from the last broadcast a client saw, so it must have seen one.
    expect((await send(a, room.id, 'before the move')).ok).toBe(true);
    await eventually(async () => seen.length, (n) => n === 1, 5_000, 'first delivery');

    const dropped = new Promise((resolve) => b.once('disconnect', resolve));
    const stopping = g1.stop();
    await dropped;
    const during = await send(a, room.id, 'during the move');
    expect(during.ok).toBe(true);
    await new Promise<void>((resolve) => b.once('connect', () => resolve()));
    await stopping;
    expect(g1.pid()).toBeUndefined();
    expect(b.recovered).toBe(true);
    expect((await send(a, room.id, 'after the move')).ok).toBe(true);
    await eventually(async () => seen.length, (n) => n >= 3, 10_000, 'deliveries after the move');
    expect(seen.map((m) => m.body)).toEqual(['before the move', 'during the move', 'after the move']);
    await g1.start();
    const ready = await api(g1.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
  });
});
