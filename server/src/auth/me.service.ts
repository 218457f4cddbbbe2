import { aliased } from '../tenancy/sql.js';
import { auditActorOf } from '../audit/audit.service.js';
import { appError, notFound, validationError } from '../http/errors.js';
import type { Deps } from '../modules.js';
import type { RequestContext, UserActor } from '../tenancy/context.js';
import type { Scope } from '../tenancy/roles.js';
import { generateApiKey } from './api-keys.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { revokeAllSessions } from './sessions.js';
import { auditForUser } from './user-audit.js';

const me = (ctx: RequestContext) => ctx.actor as UserActor;

export async function getMe(deps: Deps, ctx: RequestContext) {
  const u = me(ctx);
  return deps.pg.withTenant({ userId: u.userId }, async (trx) => {
    const user = await trx('users').where({ id: u.userId }).first('id', 'email', 'name', 'is_instance_admin', 'created_at');
    if (!user) throw notFound('user');
    const organizations = await trx('memberships as m')
      .join('organizations as o', 'o.id', 'm.organization_id')
      .where('m.user_id', u.userId)
      .select({ id: 'o.id', name: 'o.name', slug: 'o.slug', role: 'm.role', status: 'o.status', isolation: 'o.isolation' })
      .orderBy([{ column: 'o.created_at' }, { column: 'o.id' }]);
    return {
      id: user.id as string,
      email: user.email as string,
      name: user.name as string,
      instanceAdmin: u.instanceAdmin,
      createdAt: user.created_at as string,
      organizations,
      csrfToken: u.session?.csrfToken ?? null,
      impersonatedBy: u.session?.impersonator ?? null,
    };
  });
}

export async function updateMe(deps: Deps, ctx: RequestContext, input: { name?: string }) {
  const u = me(ctx);
  if (input.name !== undefined) {
    await deps.pg.withTenant({ userId: u.userId }, (trx) => trx('users').where({ id: u.userId }).update({ name: input.name, updated_at: trx.fn.now() }));
  }
  return getMe(deps, ctx);
}

/** Changes the password after checking the current one; every session of the user ends. */
export async function changePassword(deps: Deps, ctx: RequestContext, input: { currentPassword: string; newPassword: string }) {
  const u = me(ctx);
  if (u.session?.impersonator) throw appError('FORBIDDEN', 'an impersonation session cannot change the password');
  const row = await deps.pg.withTenant({ userId: u.userId }, (trx) => trx('users').where({ id: u.userId }).first('password_hash'));
  if (!row?.password_hash || !(await verifyPassword(row.password_hash, input.currentPassword))) {
    throw validationError('body', [{ path: ['currentPassword'], message: 'the current password is wrong' }]);
  }
  const hash = await hashPassword(input.newPassword);
  await deps.pg.withTenant({ userId: u.userId }, (trx) => trx('users').where({ id: u.userId }).update({ password_hash: hash, updated_at: trx.fn.now() }));
  await revokeAllSessions(deps.pg, u.userId);
  await auditForUser(deps.pg, u.userId, auditActorOf(ctx), { action: 'user.password_changed', targetType: 'user', targetId: u.userId });
}

export interface ApiKeyInfo {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

const keyColumns = { id: 'id', name: 'name', prefix: 'prefix', scopes: 'scopes', expiresAt: 'expires_at', lastUsedAt: 'last_used_at', revokedAt: 'revoked_at', createdAt: 'created_at' };

export async function listApiKeys(deps: Deps, ctx: RequestContext, page: { limit: number; offset: number }) {
  const u = me(ctx);
  return deps.pg.withTenant({ userId: u.userId }, async (trx) => {
    const n = (await trx('api_keys').where({ user_id: u.userId }).count({ n: '*' }))[0]?.n ?? 0;
    const items = (await trx('api_keys').where({ user_id: u.userId }).select(keyColumns).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]).limit(page.limit).offset(page.offset)) as ApiKeyInfo[];
    return { items, total: Number(n) };
  });
}

/** A new personal API key; the plain key is in this answer only. A key cannot mint a key broader than itself. */
export async function createApiKey(deps: Deps, ctx: RequestContext, input: { name: string; scopes: Scope[]; expiresAt?: string | null }) {
  const u = me(ctx);
  if (u.session?.impersonator) throw appError('FORBIDDEN', 'an impersonation session cannot create API keys');
  if (input.expiresAt && new Date(input.expiresAt).getTime() <= Date.now()) {
    throw validationError('body', [{ path: ['expiresAt'], message: 'must be in the future' }]);
  }
  const scopes = [...new Set(input.scopes)];
  const k = generateApiKey();
  const [row] = await deps.pg.withTenant({ userId: u.userId }, (trx) =>
    trx('api_keys').insert({ user_id: u.userId, name: input.name, prefix: k.prefix, key_hash: k.hash, scopes, expires_at: input.expiresAt ?? null }).returning(aliased(keyColumns)),
  );
  await auditForUser(deps.pg, u.userId, auditActorOf(ctx), { action: 'api_key.created', targetType: 'api_key', targetId: row.id, data: { name: input.name, scopes } });
  return { ...(row as ApiKeyInfo), key: k.key };
}

export async function revokeApiKey(deps: Deps, ctx: RequestContext, keyId: string): Promise<void> {
  const u = me(ctx);
  const n = await deps.pg.withTenant({ userId: u.userId }, (trx) =>
    trx('api_keys').where({ id: keyId, user_id: u.userId }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() }),
  );
  if (!n) throw notFound('API key');
  await auditForUser(deps.pg, u.userId, auditActorOf(ctx), { action: 'api_key.revoked', targetType: 'api_key', targetId: keyId });
}

/** The caller's active sessions (devices), newest first. */
export async function listSessions(deps: Deps, ctx: RequestContext, page: { limit: number; offset: number }) {
  const u = me(ctx);
  return deps.pg.withTenant({ userId: u.userId }, async (trx) => {
    const active = () => trx('sessions').where({ user_id: u.userId }).whereNull('revoked_at').where('expires_at', '>', trx.fn.now());
    const n = (await active().count({ n: '*' }))[0]?.n ?? 0;
    const rows = await active()
      .select({ id: 'id', createdAt: 'created_at', lastSeenAt: 'last_seen_at', ip: 'ip', userAgent: 'user_agent', impersonated: trx.raw('impersonator_id IS NOT NULL') })
      .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }])
      .limit(page.limit)
      .offset(page.offset);
    return { items: rows.map((r) => ({ ...r, current: r.id === u.session?.id })), total: Number(n) };
  });
}

export async function revokeOwnSession(deps: Deps, ctx: RequestContext, sessionId: string): Promise<void> {
  const u = me(ctx);
  const n = await deps.pg.withTenant({ userId: u.userId }, (trx) =>
    trx('sessions').where({ id: sessionId, user_id: u.userId }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() }),
  );
  if (!n) throw notFound('session');
  await auditForUser(deps.pg, u.userId, auditActorOf(ctx), { action: 'auth.session_revoked', targetType: 'session', targetId: sessionId });
}
