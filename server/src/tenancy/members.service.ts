import type { Knex } from 'knex';
import { appendAuditIn, auditActorOf } from '../audit/audit.service.js';
import { appError, notFound } from '../http/errors.js';
import type { Deps } from '../modules.js';
import type { RequestContext, UserActor } from './context.js';
import { mirrorControlPlane } from './dedicated.js';
import type { Role } from './roles.js';

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: Role;
  joinedAt: string;
}

const memberColumns = { userId: 'u.id', email: 'u.email', name: 'u.name', role: 'm.role', joinedAt: 'm.created_at' };

export async function listMembers(deps: Deps, ctx: RequestContext, page: { limit: number; offset: number }) {
  return deps.pg.withTenant({ orgId: ctx.orgId }, async (trx) => {
    const n = (await trx('memberships').where({ organization_id: ctx.orgId }).count({ n: '*' }))[0]?.n ?? 0;
    const items = (await trx('memberships as m')
      .join('users as u', 'u.id', 'm.user_id')
      .where('m.organization_id', ctx.orgId)
      .select(memberColumns)
      .orderBy([{ column: 'm.created_at' }, { column: 'u.id' }])
      .limit(page.limit)
      .offset(page.offset)) as Member[];
    return { items, total: Number(n) };
  });
}

/** Only an owner may make or unmake owners; an organization always keeps one owner. */
async function guardOwnership(trx: Knex.Transaction, ctx: RequestContext, current: Role, next: Role | undefined, self = false) {
  if ((current === 'owner' || next === 'owner') && ctx.role !== 'owner' && !self) {
    throw appError('FORBIDDEN', 'only an owner can grant or remove ownership');
  }
  if (current === 'owner' && next !== 'owner') {
    const n = (await trx('memberships').where({ organization_id: ctx.orgId, role: 'owner' }).count({ n: '*' }))[0]?.n ?? 0;
    if (Number(n) <= 1) throw appError('CONFLICT', 'an organization needs at least one owner; make someone else owner first');
  }
}

export async function changeRole(deps: Deps, ctx: RequestContext, userId: string, role: Role): Promise<Member> {
  const member = await deps.pg.withTenant({ orgId: ctx.orgId, userId: (ctx.actor as UserActor).userId }, async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`cairn.members.${ctx.orgId}`]);
    const m = await trx('memberships').where({ organization_id: ctx.orgId, user_id: userId }).first('role');
    if (!m) throw notFound('member');
    await guardOwnership(trx, ctx, m.role, role);
    await trx('memberships').where({ organization_id: ctx.orgId, user_id: userId }).update({ role });
    const out = (await trx('memberships as m').join('users as u', 'u.id', 'm.user_id').where({ 'm.organization_id': ctx.orgId, 'm.user_id': userId }).first(memberColumns)) as Member;
    if (m.role !== role) {
      await appendAuditIn(trx, ctx.orgId!, auditActorOf(ctx), { action: 'member.role_changed', targetType: 'user', targetId: userId, data: { from: m.role, to: role } });
    }
    return out;
  });
  if (ctx.org?.isolation === 'dedicated') await mirrorControlPlane(deps.pg, ctx.orgId!);
  return member;
}

/** Removes a member, or the caller leaving. */
export async function removeMember(deps: Deps, ctx: RequestContext, userId: string): Promise<void> {
  await deps.pg.withTenant({ orgId: ctx.orgId, userId: (ctx.actor as UserActor).userId }, async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`cairn.members.${ctx.orgId}`]);
    const m = await trx('memberships').where({ organization_id: ctx.orgId, user_id: userId }).first('role');
    if (!m) throw notFound('member');
    await guardOwnership(trx, ctx, m.role, undefined, userId === (ctx.actor as UserActor).userId);
    await trx('memberships').where({ organization_id: ctx.orgId, user_id: userId }).delete();
    await appendAuditIn(trx, ctx.orgId!, auditActorOf(ctx), { action: 'member.removed', targetType: 'user', targetId: userId, data: { role: m.role } });
  });
  if (ctx.org?.isolation === 'dedicated') await mirrorControlPlane(deps.pg, ctx.orgId!);
}
