import { useCallback, useEffect, useState } from 'react';

const ROOM_ROUTE = /^#\/room\/([^/?#]+)$/;

/** The room the URL names (`#/room/<id>`), if any. */
export function roomIdFromHash(hash: string): string | undefined {
  const match = ROOM_ROUTE.exec(hash);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

/** The link to a room; a hash route, so a reload (or a shared link) opens the same room without server routes. */
export const roomHref = (roomId: string): string => `#/room/${encodeURIComponent(roomId)}`;

/** The active room from the URL, and a way to change it that keeps the back button working. */
export function useHashRoute(): [string | undefined, (roomId: string | undefined) => void] {
  const [roomId, setRoomId] = useState(() => roomIdFromHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoomId(roomIdFromHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const navigate = useCallback((next: string | undefined) => {
    window.location.hash = next ? roomHref(next) : '#/';
  }, []);
  return [roomId, navigate];
}
