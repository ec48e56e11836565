import type { FileUrlResponse, UserProfile } from '@chat/protocol';
import { createContext, type CSSProperties, useContext, useEffect, useState } from 'react';

/** What avatars need from the REST client. */
export interface AvatarApi {
  avatarUrl(userId: string): Promise<FileUrlResponse>;
}

/** How avatars get their links (the REST client, provided by the chat app; absent: initials only). */
export const AvatarLinks = createContext<AvatarApi | undefined>(undefined);

/** A link is reused until shortly before it expires: a room shows one sender's face many times. */
const REUSE_MARGIN_MS = 60_000;
const links = new Map<string, { url: Promise<string>; until: number }>();

/** The presigned link of an avatar path (`/api/users/:id/avatar?v=...`), fetched once per version and reused. */
function linkOf(api: AvatarApi, userId: string, path: string): Promise<string> {
  const held = links.get(path);
  if (held && held.until > Date.now()) return held.url;
  const url = api.avatarUrl(userId).then((link) => {
    links.set(path, { url, until: new Date(link.expiresAt).getTime() - REUSE_MARGIN_MS });
    return link.url;
  });
  url.catch(() => links.delete(path));
  links.set(path, { url, until: Date.now() + REUSE_MARGIN_MS });
  return url;
}

/** A hue from the username, so each person keeps one colour everywhere. */
export function hueOf(username: string): number {
  let hash = 0;
  for (const char of username) hash = (hash * 31 + char.charCodeAt(0)) % 360;
  return hash;
}

export interface AvatarProps {
  user: { id: string; username: string; avatar?: UserProfile['avatar'] };
  /** The element's class: its size and place (`avatar`, `message__avatar`, `profile-card__avatar`). */
  className?: string;
  /** A picture chosen but not yet saved (the profile form's preview). */
  previewSrc?: string;
}

/**
 * Someone's picture as a square cut to a circle, or their initials on their colour while it loads, when
 * there is none, or when it fails. Decorative: the name is always beside it.
 */
export function Avatar({ user, className = 'avatar', previewSrc }: AvatarProps) {
  const api = useContext(AvatarLinks);
  const path = user.avatar?.url ?? null;
  const [src, setSrc] = useState<string>();
  useEffect(() => {
    setSrc(undefined);
    if (!api || !path) return;
    let live = true;
    linkOf(api, user.id, path).then((url) => live && setSrc(url), () => undefined);
    return () => void (live = false);
  }, [api, user.id, path]);
  const initials = user.avatar?.initials ?? user.username.slice(0, 2).toUpperCase();
  const shown = previewSrc ?? src;
  return (
    <span className={`${className} avatar-picture`} aria-hidden="true" data-avatar={shown ? 'picture' : 'initials'} style={{ '--avatar-hue': hueOf(user.username) } as CSSProperties}>
      {shown ? <img src={shown} alt="" onError={() => setSrc(undefined)} /> : initials}
    </span>
  );
}
