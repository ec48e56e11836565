import { z } from 'zod';
import { passwordSchema } from './schemas';

/**
 * Sessions: a login opens one; the access token (a short-lived JWT, kept in memory by the web app) names
 * it, and the refresh cookie renews it. These are the paths and names the gateway and clients share.
 */
export const SESSION_ROUTES = {
  refresh: '/api/auth/refresh',
  logout: '/api/auth/logout',
  logoutAll: '/api/auth/logout-all',
  password: '/api/auth/password',
  sessions: '/api/sessions',
} as const;

/** The HttpOnly refresh cookie; its Path is SESSION_ROUTES.refresh, so no other request carries it. */
export const REFRESH_COOKIE = 'chat_refresh';

/** POST /api/auth/password: the current password proves it is the owner, not a borrowed tab. */
export const passwordChangeSchema = z.strictObject({ currentPassword: z.string().min(1).max(1024), newPassword: passwordSchema });
export type PasswordChange = z.infer<typeof passwordChangeSchema>;

/** One active session of mine, as GET /api/sessions lists it. */
export interface SessionInfo {
  id: string;
  /** The browser's (or client's) User-Agent when last refreshed, cut to 256 characters. */
  userAgent: string;
  /** The client address the gateway saw (after the trusted proxies). */
  address: string;
  createdAt: string;
  lastSeenAt: string;
  /** The session of the token that asked. */
  current: boolean;
}

export interface SessionsResponse {
  sessions: SessionInfo[];
}
