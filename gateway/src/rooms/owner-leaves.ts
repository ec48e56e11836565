import type { Room } from '@chat/protocol';
import { AppError } from '@chat/service-kit';
import type { RoomAdminRepository } from '../store/room-admin';
import type { RoomSignals } from './room-signals';

/**
 * What the owner's leaving does: a room always has exactly one owner, so while anyone else is in it the
 * owner must transfer first (CONFLICT). Picking a successor silently (the oldest admin, say) would hand
 * moderation to someone who never agreed to it; the owner decides, and the web app offers the transfer
 * step. The owner who is the last member leaves an empty room: it is archived (read-only, its history
 * kept for the audit log), as nobody is left to own it.
 */
export async function beforeOwnerLeaves(deps: { roomAdmin: RoomAdminRepository; roomSignals: RoomSignals }, room: Room, userId: string): Promise<void> {
  if ((await deps.roomAdmin.roleOf(room.id, userId)) !== 'owner') return;
  if (room.memberCount > 1) {
    throw new AppError('CONFLICT', 'you own this room: transfer the ownership to another member first (POST /api/rooms/:id/transfer)');
  }
  await deps.roomAdmin.setArchived(room.id, true, { roomId: room.id, actorId: userId, action: 'room.archived', details: { reason: 'the owner left as the last member' } });
  await deps.roomSignals.policyChanged(room.id);
}
