// The permission matrix of room administration (issue 16), generated: every actor (owner, admin, member,
// non-member, banned) against every route, each cell in a room of its own, through nginx and two gateways.
// The expectations are written out here, not derived from the gateway's table, so a change there that
// moves a cell fails a test.
import crypto from 'node:crypto';
import type { Room } from '@chat/protocol';
import { api, registerUser, useGatewaySystem } from '@chat/testing';

const actors = {} as Record<Actor, { token: string; id: string }>;

const ACTORS = ['owner', 'admin', 'member', 'non-member', 'banned'] as const;
type Actor = (typeof ACTORS)[number];

const suite = useGatewaySystem({ gateways: 2, env: { REGISTER_RATE_LIMIT: '1000' } });

beforeAll(async () => {
  for (const actor of ACTORS) {
    const user = await registerUser(suite.url);
    actors[actor] = { token: user.token, id: user.user.id };
  }
}, 120_000);

/** A user that exists only in the database (targets need no token). */
async function plainUser(): Promise<string> {
  const id = crypto.randomUUID();
  await suite.db.query(`INSERT INTO users (id, username, password_hash) VALUES ($1, $2, 'unused')`, [id, `t${id.replace(/-/g, '').slice(0, 20)}`]);
  return id;
}

/** A fresh room: the owner created it; admin, member and a target member in it; the banned actor banned. */
async function freshRoom(targetRole: 'owner' | 'admin' | 'member' = 'member') {
  const room = (await api<{ room: Room }>(suite.url, 'POST', '/api/rooms', { token: actors.owner.token, body: { name: 'matrix', visibility: 'public' } })).body.room;
  const target = targetRole === 'owner' ? actors.owner.id : await plainUser();
  const rows: [string, string][] = [
    [actors.admin.id, 'admin'],
    [actors.member.id, 'member'],
  ];
  if (targetRole !== 'owner') rows.push([target, targetRole]);
  for (const [userId, role] of rows) await suite.db.query(`INSERT INTO memberships (room_id, user_id, role) VALUES ($1, $2, $3::"MemberRole")`, [room.id, userId, role]);
  await suite.db.query(`INSERT INTO room_bans (room_id, user_id, banned_by, reason) VALUES ($1, $2, $3, 'matrix')`, [room.id, actors.banned.id, actors.owner.id]);
  return { roomId: room.id, target };
}

interface Action {
  /** Prepares what the action needs in the fresh room (a ban to lift, a mute, an invite link). */
  prepare?: (roomId: string, target: string) => Promise<string | void>;
  request: (roomId: string, target: string, prepared: string | void) => [method: string, path: string, body?: unknown];
  /** Status by actor. */
  expect: Record<Actor, number>;
}

const staff = (ok: number): Record<Actor, number> => ({ owner: ok, admin: ok, member: 403, 'non-member': 403, banned: 403 });
const ownerOnly = (ok: number): Record<Actor, number> => ({ owner: ok, admin: 403, member: 403, 'non-member': 403, banned: 403 });
const members = (ok: number): Record<Actor, number> => ({ owner: ok, admin: ok, member: ok, 'non-member': 403, banned: 403 });

const ACTIONS: Record<string, Action> = {
  'view members': { request: (r) => ['GET', `/api/rooms/${r}/members`], expect: members(200) },
  'view the room': { request: (r) => ['GET', `/api/rooms/${r}`], expect: members(200) },
  'change settings': { request: (r) => ['PATCH', `/api/rooms/${r}`, { topic: 'new topic' }], expect: staff(200) },
  archive: { request: (r) => ['POST', `/api/rooms/${r}/archive`], expect: ownerOnly(200) },
  'make a member admin': { request: (r, t) => ['PATCH', `/api/rooms/${r}/members/${t}`, { role: 'admin' }], expect: staff(200) },
  'transfer ownership': { request: (r, t) => ['POST', `/api/rooms/${r}/transfer`, { userId: t }], expect: ownerOnly(200) },
  kick: { request: (r, t) => ['DELETE', `/api/rooms/${r}/members/${t}`], expect: staff(204) },
  ban: { request: (r, t) => ['POST', `/api/rooms/${r}/bans`, { userId: t, reason: 'matrix' }], expect: staff(201) },
  'list bans': { request: (r) => ['GET', `/api/rooms/${r}/bans`], expect: staff(200) },
  unban: {
    prepare: async (r, t) => void (await suite.db.query(`INSERT INTO room_bans (room_id, user_id, banned_by) VALUES ($1, $2, $3)`, [r, t, actors.owner.id])),
    request: (r, t) => ['DELETE', `/api/rooms/${r}/bans/${t}`],
    expect: staff(204),
  },
  mute: { request: (r, t) => ['POST', `/api/rooms/${r}/mutes`, { userId: t }], expect: staff(201) },
  unmute: {
    prepare: async (r, t) => void (await suite.db.query(`INSERT INTO room_mutes (room_id, user_id, muted_by) VALUES ($1, $2, $3)`, [r, t, actors.owner.id])),
    request: (r, t) => ['DELETE', `/api/rooms/${r}/mutes/${t}`],
    expect: staff(204),
  },
  'read the audit log': { request: (r) => ['GET', `/api/rooms/${r}/audit`], expect: staff(200) },
  'create an invite link': { request: (r) => ['POST', `/api/rooms/${r}/invites`, {}], expect: staff(201) },
  'list invite links': { request: (r) => ['GET', `/api/rooms/${r}/invites`], expect: staff(200) },
  'revoke an invite link': {
    prepare: async (r) => (await api<{ invite: { code: string } }>(suite.url, 'POST', `/api/rooms/${r}/invites`, { token: actors.owner.token, body: {} })).body.invite.code,
    request: (r, _t, code) => ['DELETE', `/api/rooms/${r}/invites/${code as string}`],
    expect: staff(204),
  },
  'invite by name': {
    prepare: async (_r, t) => (await suite.db.query<{ username: string }>('SELECT username FROM users WHERE id = $1', [t])).rows[0]!.username,
    // The target is a member already: a member may invite (409: already a member), a stranger may not.
    request: (r, _t, username) => ['POST', `/api/rooms/${r}/members`, { username }],
    expect: members(409),
  },
};

const cells = Object.entries(ACTIONS).flatMap(([name, action]) => ACTORS.map((actor) => ({ name, actor, action, status: action.expect[actor] })));

describe('every actor against every room route', () => {
  it('covers every cell of the table', () => {
    expect(cells).toHaveLength(Object.keys(ACTIONS).length * ACTORS.length);
  });

  it.each(cells.map((c) => [c.actor, c.name, c.status, c] as const))('%s: %s → %d', async (_actor, _name, status, cell) => {
    const { roomId, target } = await freshRoom();
    const prepared = await cell.action.prepare?.(roomId, target);
    const [method, path, body] = cell.action.request(roomId, target, prepared);
    const response = await api<{ error?: { code: string } }>(suite.url, method, path, { token: actors[cell.actor].token, body });
    expect({ status: response.status, code: response.body?.error?.code }).toEqual({ status, code: status === 403 ? 'FORBIDDEN' : status === 409 ? 'CONFLICT' : undefined });
  });
});

/** Actions on someone: who may do them to whom (an admin to members only, nobody to the owner). */
const ON_TARGETS: Record<string, { request: (r: string, t: string) => [string, string, unknown?]; expect: Record<'owner' | 'admin', Record<'owner' | 'admin' | 'member', number>> }> = {
  kick: { request: (r, t) => ['DELETE', `/api/rooms/${r}/members/${t}`], expect: { owner: { owner: 403, admin: 204, member: 204 }, admin: { owner: 403, admin: 403, member: 204 } } },
  ban: { request: (r, t) => ['POST', `/api/rooms/${r}/bans`, { userId: t }], expect: { owner: { owner: 403, admin: 201, member: 201 }, admin: { owner: 403, admin: 403, member: 201 } } },
  mute: { request: (r, t) => ['POST', `/api/rooms/${r}/mutes`, { userId: t }], expect: { owner: { owner: 403, admin: 201, member: 201 }, admin: { owner: 403, admin: 403, member: 201 } } },
  'set role to member': {
    request: (r, t) => ['PATCH', `/api/rooms/${r}/members/${t}`, { role: 'member' }],
    expect: { owner: { owner: 403, admin: 200, member: 200 }, admin: { owner: 403, admin: 200, member: 200 } },
  },
};

const targetCells = Object.entries(ON_TARGETS).flatMap(([name, a]) =>
  (['owner', 'admin'] as const).flatMap((actor) => (['owner', 'admin', 'member'] as const).map((target) => [actor, name, target, a.expect[actor][target], a] as const)),
);

describe('actions on someone, by the target role', () => {
  it.each(targetCells)('%s: %s a target who is %s → %d', async (actor, _name, targetRole, status, action) => {
    const { roomId, target } = await freshRoom(targetRole === 'owner' ? 'owner' : targetRole === 'admin' ? 'admin' : 'member');
    // The admin actor acting on "an admin" acts on another admin, not on itself.
    const [method, path, body] = action.request(roomId, target);
    const response = await api(suite.url, method, path, { token: actors[actor].token, body });
    expect(response.status).toBe(status);
  });
});
