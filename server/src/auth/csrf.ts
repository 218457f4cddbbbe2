import type { Request } from 'express';
import type { RequestGuard } from '../http/app.js';
import { appError } from '../http/errors.js';
import { sameSecret } from './sessions.js';

export const CSRF_HEADER = 'x-csrf-token';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
// Signing in is the one write that may carry a (stale) session cookie without its token.
const EXEMPT = new Set(['post /auth/login']);

/**
 * A write from a browser must come from our own origin (when it says where it comes from),
 * and a write authenticated by the session cookie must echo the session's CSRF token in
 * `X-CSRF-Token`: a synchronizer token compared with the session row (constant time), not
 * with a cookie. Bearer-key requests carry no ambient credential and need no token.
 */
export function csrfGuard(publicUrl: string | undefined): RequestGuard {
  return async ({ req, route, ctx }) => {
    if (SAFE.has(req.method)) return;
    const origin = req.get('origin');
    if (origin !== undefined && origin !== expectedOrigin(req, publicUrl)) {
      throw appError('CSRF_FAILED', `cross-origin request refused (Origin ${origin})`);
    }
    const actor = ctx.actor;
    if (actor.kind !== 'user' || actor.via !== 'session' || !actor.session) return;
    if (EXEMPT.has(`${route.method} ${route.path}`)) return;
    const token = req.get(CSRF_HEADER);
    if (!token || !sameSecret(token, actor.session.csrfToken)) {
      throw appError('CSRF_FAILED', "send the session's CSRF token (the cairn_csrf cookie) in the X-CSRF-Token header");
    }
  };
}

function expectedOrigin(req: Request, publicUrl: string | undefined): string {
  if (publicUrl) return new URL(publicUrl).origin;
  return `${req.protocol}://${req.get('host') ?? ''}`;
}
