import { useCallback, useEffect, useState } from 'react';

/** `#/room/<id>`, optionally with a permalink's `?message=<id>` (and `&thread=<parent id>` for a reply). */
const ROOM_ROUTE = /^#\/room\/([^/?#]+)(?:\?(.*))?$/;

/** What the URL names: a room, and a message to open it at (a permalink). */
export interface HashRoute {
  roomId?: string;
  /** The message to show and flash. */
  messageId?: string;
  /** For a reply: the thread it is in, opened beside the room. */
  threadId?: string;
}

/** The room (and permalinked message) the URL names. */
export function routeFromHash(hash: string): HashRoute {
  const match = ROOM_ROUTE.exec(hash);
  if (!match?.[1]) return {};
  const query = new URLSearchParams(match[2] ?? '');
  return { roomId: decodeURIComponent(match[1]), messageId: query.get('message') ?? undefined, threadId: query.get('thread') ?? undefined };
}

/** The room the URL names (`#/room/<id>`), if any. */
export const roomIdFromHash = (hash: string): string | undefined => routeFromHash(hash).roomId;

/** The link to a room; a hash route, so a reload (or a shared link) opens the same room without server routes. */
export const roomHref = (roomId: string): string => `#/room/${encodeURIComponent(roomId)}`;

/** A permalink: opens the room at the message (a reply: at its thread's parent, with the thread open). */
export const messageHref = (message: { id: string; roomId: string; parentId?: string | null }): string => {
  const query = new URLSearchParams({ message: message.id, ...(message.parentId ? { thread: message.parentId } : {}) });
  return `${roomHref(message.roomId)}?${query}`;
};

/** The active room (and permalink) from the URL, and a way to change room that keeps the back button working. */
export function useHashRoute(): [HashRoute, (roomId: string | undefined) => void] {
  const [route, setRoute] = useState(() => routeFromHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(routeFromHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const navigate = useCallback((next: string | undefined) => {
    window.location.hash = next ? roomHref(next) : '#/';
  }, []);
  return [route, navigate];
}
