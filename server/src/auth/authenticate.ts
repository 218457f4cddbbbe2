import type { Request } from 'express';
import type { Postgres } from '../db/postgres.js';
import { appError } from '../http/errors.js';
import type { Actor } from '../tenancy/context.js';
import type { Scope } from '../tenancy/roles.js';
import { hashApiKey } from './api-keys.js';

/**
 * Resolves who is calling from one kind of credential. Returns `undefined` when the
 * request carries no credential of that kind; throws UNAUTHENTICATED when it carries a bad one.
 */
export type Authenticator = (req: Request) => Promise<Actor | undefined>;

export function bearerApiKey(pg: Postgres): Authenticator {
  return async (req) => {
    const header = req.headers.authorization;
    if (!header) return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw appError('UNAUTHENTICATED', 'Authorization header must be "Bearer <personal API key>"');
    const { rows } = await pg.app.raw('SELECT * FROM cairn_authenticate_api_key(?)', [hashApiKey(match[1]!)]);
    const row = rows[0] as
      | { key_id: string; user_id: string; email: string; is_instance_admin: boolean; scopes: Scope[] }
      | undefined;
    if (!row) throw appError('UNAUTHENTICATED', 'the API key is unknown, revoked or expired');
    return {
      kind: 'user',
      userId: row.user_id,
      email: row.email,
      instanceAdmin: row.is_instance_admin,
      via: 'api_key',
      scopes: row.scopes,
      apiKeyId: row.key_id,
    };
  };
}

/** Tries each authenticator in turn; the first that recognises a credential decides. */
export async function authenticate(authenticators: Authenticator[], req: Request): Promise<Actor> {
  for (const a of authenticators) {
    const actor = await a(req);
    if (actor) return actor;
  }
  return { kind: 'anonymous' };
}
