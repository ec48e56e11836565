import { REFRESH_COOKIE, SESSION_ROUTES } from '@chat/protocol';
import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '@chat/service-kit';

/**
 * The refresh token's cookie: HttpOnly (no script reads it, so an XSS cannot carry it off), Secure
 * (browsers accept Secure cookies from http://localhost and loopback, so the local system needs no
 * exception), SameSite=Strict and Path=/api/auth/refresh: no other request, and no request another
 * site starts, carries it.
 */
export function setRefreshCookie(res: Response, token: string, maxAgeSeconds: number): void {
  res.setHeader('Set-Cookie', `${REFRESH_COOKIE}=${token}; Path=${SESSION_ROUTES.refresh}; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Strict`);
}

/** Removes the refresh cookie (logout): the same name and path, expired. */
export function clearRefreshCookie(res: Response): void {
  res.setHeader('Set-Cookie', `${REFRESH_COOKIE}=; Path=${SESSION_ROUTES.refresh}; Max-Age=0; HttpOnly; Secure; SameSite=Strict`);
}

/** The refresh token the request's Cookie header carries, if any. */
export function refreshCookie(req: Request): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === REFRESH_COOKIE) return value.join('=') || undefined;
  }
  return undefined;
}

/**
 * CSRF defence of the cookie route, besides SameSite=Strict: the request must come from the app's own
 * origin. Browsers send Origin on every POST and Sec-Fetch-Site on every request; a request without
 * Origin is not a browser's and carries no ambient cookie a page could abuse, but is refused too, so
 * the rule stays one line. Allowed: CORS_ORIGIN, or the host the request was sent to (nginx forwards
 * Host without its port, so hosts are compared without ports).
 */
export function requireSameOrigin(allowedOrigin: string): RequestHandler {
  return (req, _res, next) => {
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new AppError('FORBIDDEN', 'cross-site request refused');
    if (!origin || !(origin === allowedOrigin || hostOf(origin) === hostOf(`http://${req.headers.host ?? ''}`))) {
      throw new AppError('FORBIDDEN', 'this request must come from the chat app itself (Origin)');
    }
    next();
  };
}

const hostOf = (url: string): string | undefined => {
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
};
