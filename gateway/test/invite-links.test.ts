// Invite links (issue 16) through nginx and two gateways: create, preview without logging in, accept,
// limits (expiry, uses, revocation, bans), and guessing (constant-time lookups, rate-limited).
import crypto from 'node:crypto';
import type { InvitePreviewResponse, InviteResponse, InvitesResponse, Room } from '@chat/protocol';
import { api, inviteAndAccept, nextEvent, registerUser, useGatewaySystem } from '@chat/testing';

const WEB_ORIGIN = 'https://chat.example.test';

const suite = useGatewaySystem({ gateways: 2, env: { REGISTER_RATE_LIMIT: '1000', CORS_ORIGIN: WEB_ORIGIN } });

async function privateRoom() {
  const owner = await registerUser(suite.url);
  const room = (await api<{ room: Room }>(suite.url, 'POST', '/api/rooms', { token: owner.token, body: { name: 'by invitation', visibility: 'private' } })).body.room;
  return { owner, room };
}

const createInvite = async (token: string, roomId: string, body: object = {}) => api<InviteResponse>(suite.url, 'POST', `/api/rooms/${roomId}/invites`, { token, body });

it('a link: created by an admin, previewed by anyone (no member list), accepted into the room live, counted once per new member', async () => {
  const { owner, room } = await privateRoom();
  const created = await createInvite(owner.token, room.id, { maxUses: 5, expiresIn: 3600 });
  expect(created.status).toBe(201);
  const { invite } = created.body;
  expect(invite.code).toMatch(/^[A-Za-z0-9_-]{32}$/);
  expect(invite).toMatchObject({ url: `${WEB_ORIGIN}/invite/${invite.code}`, uses: 0, maxUses: 5 });
  expect(Math.abs(Date.parse(invite.expiresAt!) - Date.now() - 3_600_000)).toBeLessThan(60_000);
  // Only the hash is stored.
  const stored = await suite.db.query<{ code_hash: string }>('SELECT code_hash FROM room_invites WHERE room_id = $1', [room.id]);
  expect(stored.rows[0]!.code_hash).toBe(crypto.createHash('sha256').update(invite.code!).digest('hex'));

  const preview = await api<InvitePreviewResponse>(suite.url, 'GET', `/api/invites/${invite.code}`);
  expect(preview.status).toBe(200);
  expect(preview.body).toEqual({ room: { id: room.id, name: 'by invitation', topic: '', visibility: 'private', memberCount: 1 }, expiresAt: invite.expiresAt });

  const guest = await registerUser(suite.url);
  const socket = await suite.connect(guest.token, 'g2');
  const ownerSocket = await suite.connect(owner.token, 'g1');
  const joined = nextEvent(socket, 'room:joined', (r) => r.id === room.id);
  const counted = nextEvent(ownerSocket, 'room:updated', (e) => e.room.id === room.id && e.room.memberCount === 2);
  const accepted = await api<{ room: Room }>(suite.url, 'POST', `/api/invites/${invite.code}/accept`, { token: guest.token });
  expect(accepted).toMatchObject({ status: 200, body: { room: { id: room.id, memberCount: 2 } } });
  await Promise.all([joined, counted]);
  expect((await api(suite.url, 'POST', `/api/invites/${invite.code}/accept`, { token: guest.token })).status).toBe(200);
  const listed = await api<InvitesResponse>(suite.url, 'GET', `/api/rooms/${room.id}/invites`, { token: owner.token });
  expect(listed.body.invites).toMatchObject([{ id: invite.id, uses: 1, maxUses: 5 }]);
  expect(listed.body.invites[0]).not.toHaveProperty('code');
});

it('a link stops working when used up, expired or revoked; a banned user cannot use it; members cannot make links', async () => {
  const { owner, room } = await privateRoom();
  const member = await registerUser(suite.url);
  await inviteAndAccept(suite.url, owner.token, room.id, member);
  expect((await createInvite(member.token, room.id)).status).toBe(403);

  const once = (await createInvite(owner.token, room.id, { maxUses: 1 })).body.invite;
  expect((await api(suite.url, 'POST', `/api/invites/${once.code}/accept`, { token: (await registerUser(suite.url)).token })).status).toBe(200);
  const late = await api(suite.url, 'POST', `/api/invites/${once.code}/accept`, { token: (await registerUser(suite.url)).token });
  expect(late).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });

  const expiring = (await createInvite(owner.token, room.id)).body.invite;
  await suite.db.query(`UPDATE room_invites SET expires_at = now() - interval '1 second' WHERE id = $1`, [expiring.id]);
  expect((await api(suite.url, 'GET', `/api/invites/${expiring.code}`)).status).toBe(404);
  expect((await api(suite.url, 'POST', `/api/invites/${expiring.code}/accept`, { token: (await registerUser(suite.url)).token })).status).toBe(404);

  const revoked = (await createInvite(owner.token, room.id)).body.invite;
  expect((await api(suite.url, 'DELETE', `/api/rooms/${room.id}/invites/${revoked.code}`, { token: owner.token })).status).toBe(204);
  expect((await api(suite.url, 'GET', `/api/invites/${revoked.code}`)).status).toBe(404);
  const byId = (await createInvite(owner.token, room.id)).body.invite;
  expect((await api(suite.url, 'DELETE', `/api/rooms/${room.id}/invites/${byId.id}`, { token: owner.token })).status).toBe(204);
  expect((await api(suite.url, 'DELETE', `/api/rooms/${room.id}/invites/${byId.id}`, { token: owner.token })).status).toBe(404);

  const open = (await createInvite(owner.token, room.id)).body.invite;
  const outcast = await registerUser(suite.url);
  expect((await api(suite.url, 'POST', `/api/rooms/${room.id}/bans`, { token: owner.token, body: { userId: outcast.user.id, reason: 'no' } })).status).toBe(201);
  expect(await api(suite.url, 'POST', `/api/invites/${open.code}/accept`, { token: outcast.token })).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
  const audit = await api<{ entries: { action: string }[] }>(suite.url, 'GET', `/api/rooms/${room.id}/audit?limit=200`, { token: owner.token });
  expect(audit.body.entries.filter((e) => e.action === 'invite.used')).toHaveLength(1);
  expect(audit.body.entries.filter((e) => e.action === 'invite.revoked')).toHaveLength(2);
});

// Last in the file: it spends this address's preview budget for a minute.
it('guessing: 10,000 random codes are answered alike, a miss as fast as a hit, and all but the first few refused as RATE_LIMITED', async () => {
  const { owner, room } = await privateRoom();
  const { invite } = (await createInvite(owner.token, room.id)).body;
  const timed = async (code: string) => {
    const started = process.hrtime.bigint();
    const response = await api(suite.url, 'GET', `/api/invites/${code}`);
    return { status: response.status, ms: Number(process.hrtime.bigint() - started) / 1e6, retryAfter: response.headers.get('retry-after') };
  };
  const randomCode = () => crypto.randomBytes(24).toString('base64url');
  // Within the budget, interleaved: hits and misses take one index probe on a hash each.
  const hits: number[] = [];
  const misses: number[] = [];
  for (let i = 0; i < 20; i++) {
    const hit = await timed(invite.code!);
    const miss = await timed(randomCode());
    expect([hit.status, miss.status]).toEqual([200, 404]);
    hits.push(hit.ms);
    misses.push(miss.ms);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  expect(Math.abs(median(hits) - median(misses))).toBeLessThan(Math.max(5, median(hits)));

  const answers = new Map<number, number>();
  let retryAfter: string | null = null;
  const codes = Array.from({ length: 10_000 }, randomCode);
  for (let i = 0; i < codes.length; i += 100) {
    const batch = await Promise.all(codes.slice(i, i + 100).map(timed));
    for (const r of batch) {
      answers.set(r.status, (answers.get(r.status) ?? 0) + 1);
      if (r.status === 429) retryAfter = r.retryAfter;
    }
  }
  // 60 lookups a minute per address: 40 were used above, so at most 20 more got a real answer (80 if
  // the fixed window turned over during the run).
  expect([...answers.keys()].sort()).toEqual([404, 429]);
  expect(answers.get(404)).toBeLessThanOrEqual(80);
  expect(answers.get(429)).toBeGreaterThanOrEqual(9_920);
  expect(Number(retryAfter)).toBeGreaterThan(0);
  void room;
}, 180_000);
