// Without an assistant configured: the gateways say so, and nothing answers prompts.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import type { FeaturesResponse, MessagesResponse, Room } from '@chat/protocol';
import { api, connectSocket, eventually, registerUser, startSystem, type TestSystem } from '@chat/testing';
import { Client } from 'pg';

let system: TestSystem;

beforeAll(async () => {
  system = await startSystem({ gateways: 1, nginx: false });
}, 120_000);

afterAll(async () => {
  await system?.stop();
});

it('GET /api/features says the assistant is off, and a prompt gets no reply', async () => {
  const features = await api<FeaturesResponse>(system.baseUrl, 'GET', '/api/features');
  expect(features.status).toBe(200);
  expect(features.body).toEqual({ assistant: null });

  const alice = await registerUser(system.baseUrl);
  const created = await api<{ room: Room }>(system.baseUrl, 'POST', '/api/rooms', { token: alice.token, body: { name: 'no bot', visibility: 'public' } });
  const roomId = created.body.room.id;
  const socket = await connectSocket(system.baseUrl, alice.token);
  try {
    for (const body of ['@assistant anyone there?', 'guess not']) {
      const result = await socket.timeout(15_000).emitWithAck('message:send', { roomId, body, clientMsgId: crypto.randomUUID() });
      expect(result.ok).toBe(true);
    }
  } finally {
    socket.close();
  }
  const page = await eventually(
    () => api<MessagesResponse>(system.baseUrl, 'GET', `/api/rooms/${roomId}/messages`, { token: alice.token }),
    (r) => r.body.messages.length >= 2,
    20_000,
    'both messages stored',
  );
  expect(page.body.messages.map((m) => m.sender.username)).toEqual([alice.user.username, alice.user.username]);
  const db = new Client({ connectionString: system.databaseUrl });
  await db.connect();
  try {
    expect((await db.query("SELECT 1 FROM users WHERE username = 'assistant'")).rowCount).toBe(0);
  } finally {
    await db.end();
  }
});

it('the worker refuses to start without ASSISTANT_URL, naming it (exit 78)', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, ...system.env, GATEWAY_URL: system.baseUrl };
  delete env.ASSISTANT_URL;
  const run = spawnSync(process.execPath, [path.join(__dirname, '..', 'dist', 'main.js')], { env, encoding: 'utf8', timeout: 30_000 });
  expect(run.status).toBe(78);
  expect(run.stderr).toMatch(/ASSISTANT_URL/);
});
