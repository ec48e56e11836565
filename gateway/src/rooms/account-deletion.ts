import type { FileLifecycle } from '../files/file-lifecycle';
import type { RoomEvents } from '../realtime/types';
import type { RoomAdminRepository } from '../store/room-admin';
import type { RoomRepository } from '../store/rooms';
import type { UserRepository } from '../store/users';
import type { RoomSignals } from './room-signals';

export interface AccountDeletionDeps {
  rooms: RoomRepository;
  users: UserRepository;
  roomAdmin: RoomAdminRepository;
  roomSignals: RoomSignals;
  roomEvents: RoomEvents;
  fileLifecycle: FileLifecycle;
}

/**
 * `DELETE /api/me`. A room always has exactly one owner, and a deleted account cannot be asked to
 * transfer first (as leaving does, owner-leaves.ts): its rooms pass to their longest-standing admin, or
 * member, and a room it was alone in is archived. Then its files go (once the account is gone nothing
 * could name its objects), then the account, its sockets and recovery sessions; the rooms it was in
 * show one member less, and their new owner, on every gateway.
 */
export async function deleteAccount(deps: AccountDeletionDeps, userId: string): Promise<void> {
  const roomIds = await deps.rooms.memberRoomIds(userId);
  const handOvers = await deps.roomAdmin.handOverOwnedRooms(userId);
  await deps.fileLifecycle.deleteUserFiles(userId);
  await deps.users.delete(userId);
  deps.roomEvents.accountDeleted(userId);
  await Promise.all([
    ...handOvers.map(async ({ roomId, heirId }) => {
      if (!heirId) return deps.roomSignals.policyChanged(roomId);
      const heir = await deps.roomAdmin.member(roomId, heirId);
      if (heir) deps.roomSignals.memberUpdated(roomId, { ...heir, online: (await deps.roomSignals.onlineIn(roomId, true)).has(heirId) });
    }),
    ...roomIds.map((roomId) => deps.roomSignals.roomChanged(roomId, userId)),
  ]);
}
