/**
 * Invite links are `<origin>/invite/<code>` (the URL `POST /api/rooms/:id/invites` returns): a real
 * path rather than a hash route, so the link reads as an invitation; nginx serves index.html for it.
 */
const INVITE_PATH = /^\/invite\/([A-Za-z0-9_-]{1,128})\/?$/;

/** The invite code a path names, if it is an invite link. */
export function inviteCodeFromPath(pathname: string): string | undefined {
  return INVITE_PATH.exec(pathname)?.[1];
}

/** Leaves the invite path for the app's own URL: the room's hash route, or the app's root. */
export function leaveInvitePath(hash = ''): void {
  window.history.replaceState(null, '', `/${hash}`);
}
