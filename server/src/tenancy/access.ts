import type { Postgres } from '../db/postgres.js';
import { appError, notFound } from '../http/errors.js';
import type { Access, Method } from '../http/route.js';
import type { Actor, RequestContext } from './context.js';
import { roleAtLeast, scopeAllows, type Role, type Scope } from './roles.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Base = Pick<RequestContext, 'ip' | 'userAgent' | 'requestId'>;

/**
 * Checks a route's declared access against the caller and returns the request context.
 * An organization or project the caller is not a member of is NOT_FOUND, never FORBIDDEN:
 * a caller learns nothing about other tenants, not even that an id exists.
 */
export async function resolveAccess(
  pg: Postgres,
  access: Access,
  method: Method,
  actor: Actor,
  params: Record<string, string>,
  base: Base,
): Promise<RequestContext> {
  const ctx: RequestContext = { ...base, actor };
  if (access.kind === 'public') return ctx;
  if (actor.kind !== 'user') throw appError('UNAUTHENTICATED', 'sign in or send a personal API key');
  const need: Scope = access.scope ?? (method === 'get' ? 'read' : 'write');
  if (!scopeAllows(actor.scopes, need)) throw appError('FORBIDDEN', `this API key lacks the "${need}" scope`);

  if (access.kind === 'user') return ctx;
  if (access.kind === 'instanceAdmin') {
    if (!actor.instanceAdmin) throw notFound();
    return ctx;
  }
  let orgId: string | undefined;
  let role: Role | undefined;
  if (access.kind === 'org') {
    const id = params.orgId;
    if (!id || !UUID.test(id)) throw notFound('organization');
    const row = await pg.withTenant({ userId: actor.userId }, (trx) =>
      trx('memberships').where({ organization_id: id, user_id: actor.userId }).first('role'),
    );
    if (!row) throw notFound('organization');
    orgId = id;
    role = row.role as Role;
  } else {
    const id = params.projectId;
    if (!id || !UUID.test(id)) throw notFound('project');
    const { rows } = await pg.app.raw('SELECT * FROM cairn_project_access(?, ?)', [id, actor.userId]);
    const row = rows[0] as { organization_id: string; role: Role } | undefined;
    if (!row) throw notFound('project');
    orgId = row.organization_id;
    role = row.role;
    ctx.projectId = id;
  }
  if (!roleAtLeast(role, access.role)) throw appError('FORBIDDEN', `this needs the ${access.role} role or higher`);
  ctx.orgId = orgId;
  ctx.role = role;
  return ctx;
}
