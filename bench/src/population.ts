import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { createTokenService } from '@chat/gateway';
import { localConfig, localSecrets } from '@chat/local';

/**
 * Benchmark users, rooms and memberships, written straight into PostgreSQL. Signing up through the API
 * costs an argon2id hash (~20 ms of gateway CPU) per user: thousands of sign-ups would measure password
 * hashing, not chat. Every user shares one precomputed hash (of "bench password 1") and gets a JWT minted
 * with the gateway's own token service and secret, exactly what a login would hand out.
 */
const PASSWORD_HASH = '$argon2id$v=19$m=19456,t=2,p=1$C4peSsw/RI/PhOcV4/DNnQ$Nx6qt3YhGvrIoV8bh/0kn2e9zB7LMpZYqIhGNmCmwjk';

/** Every benchmark username starts with this, and every benchmark room name: leftovers are recognizable. */
export const BENCH_PREFIX = 'bench.';

export interface BenchUser {
  id: string;
  username: string;
  /** The login session its token names (gateways accept a people's token only while its session is active). */
  sessionId: string;
  token: string;
}

export interface BenchRoom {
  id: string;
  /** Indexes into `Population.users`. */
  members: number[];
}

export interface Population {
  users: BenchUser[];
  rooms: BenchRoom[];
}

/** Mints tokens the local system's gateways accept: with its own secret (generated on its first start). */
export function tokenMinter(secret = localSecrets(localConfig().services.dir).JWT_SECRET) {
  return createTokenService({ user: [secret], service: [] }, 24 * 3600);
}

/**
 * Creates `roomSizes.length` private rooms with that many members each; members are fresh users, one
 * room each (the users of one room are consecutive in `users`). Bulk inserts through unnest: one
 * statement per table whatever the size.
 */
export async function seedPopulation(db: Client, roomSizes: readonly number[]): Promise<Population> {
  const run = randomBytes(3).toString('hex');
  const mint = tokenMinter();
  const total = roomSizes.reduce((a, b) => a + b, 0);
  const users: BenchUser[] = Array.from({ length: total }, (_, i) => {
    const user = { id: randomUUID(), username: `${BENCH_PREFIX}${run}.${i}` };
    const sessionId = randomUUID();
    return { ...user, sessionId, token: mint.issue(user, sessionId) };
  });
  let next = 0;
  const rooms: BenchRoom[] = roomSizes.map((size) => {
    const members = Array.from({ length: size }, () => next++);
    return { id: randomUUID(), members };
  });

  await db.query('BEGIN');
  try {
    await db.query(`INSERT INTO users (id, username, password_hash) SELECT id, username, $3 FROM unnest($1::uuid[], $2::text[]) AS t(id, username)`, [
      users.map((u) => u.id),
      users.map((u) => u.username),
      PASSWORD_HASH,
    ]);
    await insertSessions(db, users);
    await db.query(
      `INSERT INTO rooms (id, name, visibility, created_by) SELECT id, name, 'private', created_by FROM unnest($1::uuid[], $2::text[], $3::uuid[]) AS t(id, name, created_by)`,
      [rooms.map((r) => r.id), rooms.map((_, k) => `${BENCH_PREFIX}${run}.room${k}`), rooms.map((r) => users[r.members[0]!]!.id)],
    );
    const pairs = rooms.flatMap((r) => r.members.map((m) => [r.id, users[m]!.id] as const));
    await db.query(`INSERT INTO memberships (room_id, user_id) SELECT * FROM unnest($1::uuid[], $2::uuid[])`, [pairs.map((p) => p[0]), pairs.map((p) => p[1])]);
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK');
    throw error;
  }
  await vacuumSeededTables(db);
  return { users, rooms };
}

/** One session per user, what a login opens: the minted tokens name them. */
async function insertSessions(db: Client, users: readonly { id: string; sessionId: string }[]): Promise<void> {
  await db.query(
    `INSERT INTO auth_sessions (id, user_id, user_agent, expires_at) SELECT id, user_id, 'bench', now() + interval '1 day' FROM unnest($1::uuid[], $2::uuid[]) AS t(id, user_id)`,
    [users.map((u) => u.sessionId), users.map((u) => u.id)],
  );
}

/** A token for an existing user, with a session of its own (as a login would give). */
export async function benchToken(db: Client, user: { id: string; username: string }): Promise<string> {
  const sessionId = randomUUID();
  await insertSessions(db, [{ id: user.id, sessionId }]);
  return tokenMinter().issue(user, sessionId);
}

/** Removes a population with its messages (memberships go with their rooms and users). */
export async function removePopulation(db: Client, population: Population): Promise<void> {
  const roomIds = population.rooms.map((r) => r.id);
  await db.query('DELETE FROM messages WHERE room_id = ANY($1::uuid[])', [roomIds]);
  await db.query('DELETE FROM rooms WHERE id = ANY($1::uuid[])', [roomIds]);
  await db.query('DELETE FROM users WHERE id = ANY($1::uuid[])', [population.users.map((u) => u.id)]);
  await vacuumSeededTables(db);
}

/** The tables a scenario's seed fills and its removal empties again. */
const SEEDED_TABLES = ['messages', 'message_mentions', 'read_markers', 'memberships', 'room_counters', 'rooms', 'users', 'auth_sessions'];

/**
 * VACUUM ANALYZE of the seeded tables, after a seed (true statistics where the previous scenario's
 * removal left the tables empty; rows fresh from COPY are all-visible only then) and after a scenario's
 * rows are deleted: now, between scenarios, rather than autovacuum during the next
 * one's measurement, and the emptied pages cut off the tables' ends. Without it the members
 * scenario's 10,000 deleted memberships and counters rows left ~250 pages that the next room list read
 * on every request (those tables are small here, so the planner scans them): PostgreSQL's CPU a request
 * nearly doubled.
 */
export async function vacuumSeededTables(db: Client): Promise<void> {
  for (const table of SEEDED_TABLES) await db.query(`VACUUM ANALYZE ${table}`);
}

/**
 * Removes what an interrupted earlier run left behind: benchmark rooms, their messages and users. The
 * history room (`HISTORY_ROOM_NAME`) is kept on purpose: seeding a million messages is worth reusing.
 */
export async function removeLeftovers(db: Client, keepRoomName: string): Promise<number> {
  const like = `${BENCH_PREFIX.replace(/[._%]/g, (c) => `\\${c}`)}%`;
  const rooms = await db.query<{ id: string }>('SELECT id FROM rooms WHERE name LIKE $1 AND name <> $2', [like, keepRoomName]);
  const ids = rooms.rows.map((r) => r.id);
  if (ids.length > 0) {
    await db.query('DELETE FROM messages WHERE room_id = ANY($1::uuid[])', [ids]);
    await db.query('DELETE FROM rooms WHERE id = ANY($1::uuid[])', [ids]);
  }
  const keepOwner = `(SELECT created_by FROM rooms WHERE name = $2)`;
  const users = await db.query(`DELETE FROM users WHERE username LIKE $1 AND id NOT IN (SELECT user_id FROM memberships m JOIN rooms r ON r.id = m.room_id WHERE r.name = $2) AND id IS DISTINCT FROM ${keepOwner}`, [like, keepRoomName]);
  return ids.length + (users.rowCount ?? 0);
}
