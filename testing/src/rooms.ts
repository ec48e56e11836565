import type { Room } from '@chat/protocol';
import { api, inviteAndAccept, registerUser } from './client';

/** A person the fixture registered: their token, their user and the password they chose. */
export type RegisteredUser = Awaited<ReturnType<typeof registerUser>>;

/** How {@link roomOf} creates the room. */
export interface RoomOptions {
  name?: string;
  visibility?: 'public' | 'private';
}

/**
 * A room of `size` newly registered people: the first creates it and invites the others, who accept
 * (as people do). Throws naming the step that failed.
 */
export async function roomOf(baseUrl: string, size: number, options: RoomOptions = {}): Promise<{ users: RegisteredUser[]; room: Room }> {
  const users = await Promise.all(Array.from({ length: size }, () => registerUser(baseUrl)));
  const owner = users[0]!;
  const created = await api<{ room: Room }>(baseUrl, 'POST', '/api/rooms', { token: owner.token, body: { name: options.name ?? 'test room', visibility: options.visibility ?? 'private' } });
  if (created.status !== 201) throw new Error(`create room: ${created.status} ${JSON.stringify(created.body)}`);
  for (const invitee of users.slice(1)) await inviteAndAccept(baseUrl, owner.token, created.body.room.id, invitee);
  return { users, room: created.body.room };
}

/** The fixture most realtime tests start from: {@link roomOf} two, named alice (the owner) and bob. */
export async function roomOfTwo(baseUrl: string, options: RoomOptions = {}): Promise<{ alice: RegisteredUser; bob: RegisteredUser; room: Room }> {
  const { users, room } = await roomOf(baseUrl, 2, options);
  return { alice: users[0]!, bob: users[1]!, room };
}
