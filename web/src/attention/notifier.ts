import type { ChatMessage, Room, RoomPreferences } from '@chat/protocol';

/** What the notifier asks the app. */
export interface NotifierDeps {
  me: { id: string };
  room: (roomId: string) => Room | undefined;
  preferences: (roomId: string) => RoomPreferences;
  /** Opens the room at the message (a notification was clicked). */
  open: (message: ChatMessage) => void;
  /** Whether the page is hidden (the user would not see the message otherwise). */
  hidden?: () => boolean;
}

/** Whether this browser can show notifications and the user allowed it. */
export const notificationsGranted = (): boolean => typeof Notification !== 'undefined' && Notification.permission === 'granted';

/** Whether the browser may still be asked (never on load: only from the user's click). */
export const notificationsAskable = (): boolean => typeof Notification !== 'undefined' && Notification.permission === 'default';

/**
 * Browser notifications for DMs and mentions while the tab is hidden, as my preferences say: a muted
 * room or `notify: none` never notifies; `mentions` only for a message mentioning me; `all` for every
 * message of others. One notification per message (a message and its `mention:new` are one).
 */
export function createNotifier(deps: NotifierDeps) {
  const shown = new Set<string>();
  const hidden = deps.hidden ?? (() => document.visibilityState === 'hidden');
  return (message: ChatMessage, mentionsMe: boolean): void => {
    if (message.sender.id === deps.me.id || shown.has(message.id) || !hidden() || !notificationsGranted()) return;
    const { notify, muted } = deps.preferences(message.roomId);
    if (muted || notify === 'none' || (notify === 'mentions' && !mentionsMe)) return;
    const room = deps.room(message.roomId);
    shown.add(message.id);
    const title = room?.visibility === 'direct' ? message.sender.username : `${message.sender.username} in #${room?.name ?? 'a room'}`;
    const notification = new Notification(title, { body: message.body.slice(0, 200), tag: message.id });
    notification.onclick = () => {
      window.focus();
      deps.open(message);
      notification.close();
    };
  };
}

/** The tab's favicon with a count on it (none: the plain icon). */
export function setFaviconCount(count: number): void {
  let link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!link) {
    link = document.createElement('link');
    link.rel = 'icon';
    document.head.appendChild(link);
  }
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 32;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.fillStyle = '#4338ca';
  ctx.beginPath();
  ctx.roundRect?.(2, 2, 28, 28, 7);
  ctx.fill();
  if (count > 0) {
    ctx.fillStyle = '#b42318';
    ctx.beginPath();
    ctx.arc(22, 10, 10, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = '#ffffff';
    ctx.font = 'bold 13px sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(count > 9 ? '9+' : String(count), 22, 11);
  }
  link.href = canvas.toDataURL('image/png');
  link.dataset.count = String(count);
}
