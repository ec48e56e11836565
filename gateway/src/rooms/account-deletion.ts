import type { AvatarService } from '../files/avatar-service';
import type { FileLifecycle } from '../files/file-lifecycle';
import type { Logger } from '@chat/service-kit';
import type { RoomActivityLog } from '../realtime/room-activity-log';
import type { RoomEvents } from '../realtime/types';
import type { RoomActivityRepository } from '../store/room-activity';
import type { RoomAdminRepository } from '../store/room-admin';
import type { UserRepository } from '../store/users';
import type { RoomSignals } from './room-signals';

export interface AccountDeletionDeps {
  users: UserRepository;
  roomAdmin: RoomAdminRepository;
  roomSignals: RoomSignals;
  roomEvents: RoomEvents;
  fileLifecycle: FileLifecycle;
  avatars: Pick<AvatarService, 'deleteUserAvatars'>;
  roomActivity: Pick<RoomActivityRepository, 'leaveAll'>;
  activityLog: Pick<RoomActivityLog, 'publishRoom'>;
  log: Logger;
}

/**
 * `DELETE /api/me`. A room always has exactly one owner, and a deleted account cannot be asked to
 * transfer first (as leaving does, owner-leaves.ts): its rooms pass to their longest-standing admin, or
 * member, and a room it was alone in is archived. Then its files and avatar pictures go (once the account is gone nothing
 * could name its objects), then the account, its sockets and recovery sessions; the rooms it was in
 * show one member less, and their new owner, on every gateway. It leaves its rooms as anyone leaves:
 * each room's timeline gets its `member.left` entry (after the hand-over's), on the log before the answer.
 */
export async function deleteAccount(deps: AccountDeletionDeps, userId: string): Promise<void> {
  const handOvers = await deps.roomAdmin.handOverOwnedRooms(userId);
  const roomIds = await deps.roomActivity.leaveAll(userId);
  await deps.fileLifecycle.deleteUserFiles(userId);
  await deps.avatars.deleteUserAvatars(userId);
  await deps.users.delete(userId);
  deps.roomEvents.accountDeleted(userId);
  // The account is gone either way: an entry Kafka refused now is published by the outbox sweep.
  await Promise.all(roomIds.map((roomId) => deps.activityLog.publishRoom(roomId).catch((error: unknown) => deps.log.warn({ err: error, roomId }, 'account deletion: timeline entry left to the sweep'))));
  await Promise.all([
    ...handOvers.map(async ({ roomId, heirId }) => {
      if (!heirId) return deps.roomSignals.policyChanged(roomId);
      const heir = await deps.roomAdmin.member(roomId, heirId);
      if (heir) deps.roomSignals.memberUpdated(roomId, { ...heir, online: (await deps.roomSignals.onlineNow(roomId)).has(heirId) });
    }),
    ...roomIds.map((roomId) => deps.roomSignals.roomChanged(roomId, userId)),
  ]);
}
