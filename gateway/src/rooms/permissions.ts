import type { RoomRole } from '@chat/protocol';
import { AppError } from '@chat/service-kit';
import type { MembershipRole } from '../store/room-admin';

/**
 * Who may do what in a room: the one table every room-admin route asks (and the permission-matrix
 * test reads). Ranks: owner > admin > member > not a member. Acting on someone else takes a higher rank
 * (an admin cannot kick another admin); role changes are the exception the issue names: an admin may
 * turn members into admins and admins into members, never touch the owner.
 */
export const ROOM_ACTIONS = [
  'view-members',
  'update-settings',
  'archive',
  'set-role',
  'transfer',
  'kick',
  'ban',
  'unban',
  'mute',
  'unmute',
  'view-audit',
  'manage-invites',
  'delete-any-message',
] as const;
export type RoomAction = (typeof ROOM_ACTIONS)[number];

const RANK: Record<RoomRole, number> = { owner: 3, admin: 2, member: 1 };
const rankOf = (role: MembershipRole): number => (role ? RANK[role] : 0);

/** The least rank each action needs of the actor. */
const NEEDS: Record<RoomAction, RoomRole> = {
  'view-members': 'member',
  'update-settings': 'admin',
  archive: 'owner',
  'set-role': 'admin',
  transfer: 'owner',
  kick: 'admin',
  ban: 'admin',
  unban: 'admin',
  mute: 'admin',
  unmute: 'admin',
  'view-audit': 'admin',
  'manage-invites': 'admin',
  'delete-any-message': 'admin',
};

/** Actions done to another person: the target's role decides too. */
const ON_SOMEONE: ReadonlySet<RoomAction> = new Set(['set-role', 'transfer', 'kick', 'ban', 'mute', 'unmute']);

const NOT_A_MEMBER = 'you are not a member of this room';

/** The refusal of anything in a room to someone who is not (or no longer) a member of it. */
export const notAMember = (): AppError => new AppError('FORBIDDEN', NOT_A_MEMBER);

/**
 * Why `actor` may not do `action` (to `target`, for actions on someone), or undefined when allowed.
 * `actor` undefined: not a member (or banned); null: a member of a direct conversation, which has no roles.
 */
export function refusal(action: RoomAction, actor: MembershipRole, target?: MembershipRole): string | undefined {
  if (actor === undefined) return NOT_A_MEMBER;
  if (actor === null) return action === 'view-members' ? undefined : 'a direct conversation has no roles or moderation';
  if (rankOf(actor) < RANK[NEEDS[action]]) return `only the room's ${NEEDS[action] === 'owner' ? 'owner' : 'owners and admins'} may do this`;
  if (!ON_SOMEONE.has(action)) return undefined;
  if (target === 'owner' && action !== 'transfer') return "nobody may do this to the room's owner";
  if (action === 'set-role' || action === 'transfer') return undefined;
  if (rankOf(target) >= rankOf(actor)) return 'you may do this only to members below your role';
  return undefined;
}

/** Throws FORBIDDEN with the reason unless allowed (see {@link refusal}). */
export function authorizeRoomAction(action: RoomAction, actor: MembershipRole, target?: MembershipRole): void {
  const reason = refusal(action, actor, target);
  if (reason) throw new AppError('FORBIDDEN', reason);
}
