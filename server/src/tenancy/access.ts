import type { Postgres } from '../db/postgres.js';
import { appError, notFound } from '../http/errors.js';
import type { Access, Method } from '../http/route.js';
import type { Actor, RequestContext } from './context.js';
import { roleAtLeast, scopeAllows, type Role, type Scope } from './roles.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface OrgRow {
  organization_id: string;
  role: Role;
  status: 'active' | 'suspended' | 'deleting';
  plan: string;
  isolation: 'shared' | 'dedicated';
}

type Base = Pick<RequestContext, 'ip' | 'userAgent' | 'requestId' | 'secure'>;

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
  let row: OrgRow | undefined;
  if (access.kind === 'org') {
    const id = params.orgId;
    if (!id || !UUID.test(id)) throw notFound('organization');
    row = await pg.withTenant({ userId: actor.userId }, (trx) =>
      trx('memberships as m')
        .join('organizations as o', 'o.id', 'm.organization_id')
        .where({ 'm.organization_id': id, 'm.user_id': actor.userId })
        .first('m.organization_id', 'm.role', 'o.status', 'o.plan', 'o.isolation'),
    );
    if (!row) throw notFound('organization');
  } else {
    const id = params.projectId;
    if (!id || !UUID.test(id)) throw notFound('project');
    const { rows } = await pg.app.raw('SELECT * FROM cairn_project_access_org(?, ?)', [id, actor.userId]);
    row = rows[0] as OrgRow | undefined;
    if (!row) throw notFound('project');
    ctx.projectId = id;
  }
  if (!roleAtLeast(row.role, access.role)) throw appError('FORBIDDEN', `this needs the ${access.role} role or higher`);
  // Suspension makes an organization read-only: what needs the write (or admin) scope is refused.
  // A POST declared with `scope: 'read'` (running a query) is a read.
  const writes = need !== 'read';
  const allowed = access.kind === 'org' && access.whileSuspended === 'allow';
  if (writes && row.status !== 'active' && !allowed) {
    throw appError('ORG_SUSPENDED', row.status === 'deleting' ? 'this organization is being deleted and is read-only' : 'this organization is suspended and is read-only');
  }
  ctx.orgId = row.organization_id;
  ctx.role = row.role;
  ctx.org = { status: row.status, plan: row.plan, isolation: row.isolation };
  return ctx;
}
