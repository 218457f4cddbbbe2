import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config/index.js';
import type { Postgres } from '../db/postgres.js';
import { appError } from '../http/errors.js';
import type { Actor } from '../tenancy/context.js';
import { scopes } from '../tenancy/roles.js';
import type { Authenticator } from './authenticate.js';
import { parseCookies, SESSION_COOKIE } from './cookies.js';

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export interface NewSession {
  id: string;
  /** The cookie value; only its hash is stored. */
  token: string;
  csrfToken: string;
  /** Seconds until the session ends regardless of use. */
  maxAge: number;
}

export interface SessionSettings {
  ttlHours: number;
  idleHours: number;
}

export const sessionSettings = (config: Config): SessionSettings => ({
  ttlHours: config.env.CAIRN_SESSION_TTL_HOURS,
  idleHours: config.env.CAIRN_SESSION_IDLE_HOURS,
});

/** Starts a session for a user (the only place session ids are minted: at every sign-in, a new one). */
export async function createSession(
  pg: Postgres,
  settings: SessionSettings,
  s: { userId: string; ip: string; userAgent: string; impersonator?: { id: string; reason: string } },
): Promise<NewSession> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const maxAge = Math.round(settings.ttlHours * 3600);
  const [row] = await pg.withTenant({ userId: s.userId }, (trx) =>
    trx('sessions')
      .insert({
        token_hash: hashToken(token),
        user_id: s.userId,
        csrf_token: csrfToken,
        ip: s.ip.slice(0, 100),
        user_agent: s.userAgent.slice(0, 500),
        impersonator_id: s.impersonator?.id ?? null,
        impersonation_reason: s.impersonator?.reason ?? null,
        expires_at: new Date(Date.now() + maxAge * 1000).toISOString(),
      })
      .returning('id'),
  );
  return { id: row.id as string, token, csrfToken, maxAge };
}

export async function revokeSession(pg: Postgres, userId: string, sessionId: string): Promise<void> {
  await pg.withTenant({ userId }, (trx) => trx('sessions').where({ id: sessionId }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() }));
}

/** Ends every session of a user (password change, reset, account disabled). */
export async function revokeAllSessions(pg: Postgres, userId: string): Promise<number> {
  return pg.withTenant({ userId }, (trx) => trx('sessions').where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() }));
}

/**
 * Recognises the `cairn_session` cookie. An unknown, expired or revoked session is treated as
 * no credential (the browser holds a stale cookie): the route then answers 401 if it needs a user.
 */
export function sessionCookie(pg: Postgres, settings: SessionSettings): Authenticator {
  return async (req) => {
    const token = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    if (!token) return undefined;
    if (token.length > 200) throw appError('UNAUTHENTICATED', 'malformed session cookie');
    const { rows } = await pg.app.raw('SELECT * FROM cairn_authenticate_session(?, ?::interval)', [
      hashToken(token),
      `${settings.idleHours * 3600} seconds`,
    ]);
    const row = rows[0] as
      | { session_id: string; user_id: string; email: string; is_instance_admin: boolean; csrf_token: string; impersonator_id: string | null; impersonator_email: string | null }
      | undefined;
    if (!row) return undefined;
    const actor: Actor = {
      kind: 'user',
      userId: row.user_id,
      email: row.email,
      // An impersonating administrator acts with the user's rights only, never the instance's.
      instanceAdmin: row.is_instance_admin && !row.impersonator_id,
      via: 'session',
      scopes,
      session: {
        id: row.session_id,
        csrfToken: row.csrf_token,
        ...(row.impersonator_id ? { impersonator: { id: row.impersonator_id, email: row.impersonator_email ?? '' } } : {}),
      },
    };
    return actor;
  };
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
