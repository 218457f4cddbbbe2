import { aliased } from './sql.js';
import { randomUUID } from 'node:crypto';
import { appendAuditIn, auditActorOf } from '../audit/audit.service.js';
import type { Postgres } from '../db/postgres.js';
import { notFound } from '../http/errors.js';
import type { Deps } from '../modules.js';
import type { RequestContext, UserActor } from './context.js';
import { mirrorControlPlane } from './dedicated.js';
import { deleteProjectEvents } from './lifecycle.js';
import { generateProjectToken } from './provision.js';

export interface Project {
  id: string;
  organizationId: string;
  name: string;
  timezone: string;
  token: string;
  retentionDays: number | null;
  createdAt: string;
}

const columns = {
  id: 'id',
  organizationId: 'organization_id',
  name: 'name',
  timezone: 'timezone',
  token: 'token',
  retentionDays: 'retention_days',
  createdAt: 'created_at',
};

/** Projects of every organization the user belongs to, each read inside its own tenant. */
export async function listProjectsOfUser(pg: Postgres, actor: UserActor, page: { limit: number; offset: number }) {
  const orgIds = await pg.withTenant({ userId: actor.userId }, (trx) =>
    trx('memberships').where({ user_id: actor.userId }).pluck('organization_id'),
  );
  const all: Project[] = [];
  for (const orgId of orgIds as string[]) {
    const rows = await pg.withTenant({ orgId, userId: actor.userId }, (trx) =>
      trx('projects').select(columns).orderBy([{ column: 'created_at' }, { column: 'id' }]),
    );
    all.push(...(rows as Project[]));
  }
  all.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  return { items: all.slice(page.offset, page.offset + page.limit), total: all.length };
}

export async function listOrgProjects(pg: Postgres, orgId: string, page: { limit: number; offset: number }) {
  return pg.withTenant({ orgId }, async (trx) => {
    const n = (await trx('projects').count({ n: '*' }))[0]?.n ?? 0;
    const items = (await trx('projects').select(columns).orderBy([{ column: 'created_at' }, { column: 'id' }]).limit(page.limit).offset(page.offset)) as Project[];
    return { items, total: Number(n) };
  });
}

export async function getProject(pg: Postgres, orgId: string, projectId: string): Promise<Project> {
  const row = await pg.withTenant({ orgId }, (trx) => trx('projects').where({ id: projectId }).first(columns));
  if (!row) throw notFound('project');
  return row as Project;
}

export interface ProjectInput {
  name: string;
  timezone: string;
  retentionDays: number | null;
}

const afterChange = async (deps: Deps, ctx: RequestContext) => {
  if (ctx.org?.isolation === 'dedicated') await mirrorControlPlane(deps.pg, ctx.orgId!);
};

export async function createProject(deps: Deps, ctx: RequestContext, input: ProjectInput): Promise<Project> {
  const project = await deps.pg.withTenant({ orgId: ctx.orgId, userId: (ctx.actor as UserActor).userId }, async (trx) => {
    const [row] = await trx('projects')
      .insert({ id: randomUUID(), organization_id: ctx.orgId, name: input.name, timezone: input.timezone, retention_days: input.retentionDays, token: generateProjectToken() })
      .returning(aliased(columns));
    await appendAuditIn(trx, ctx.orgId!, auditActorOf(ctx), { action: 'project.created', targetType: 'project', targetId: row.id, data: { name: input.name } });
    return row as Project;
  });
  await afterChange(deps, ctx);
  return project;
}

export async function updateProject(deps: Deps, ctx: RequestContext, input: Partial<ProjectInput>): Promise<Project> {
  const patch = Object.fromEntries(
    Object.entries({ name: input.name, timezone: input.timezone, retention_days: input.retentionDays }).filter(([, v]) => v !== undefined),
  );
  const project = await deps.pg.withTenant({ orgId: ctx.orgId, userId: (ctx.actor as UserActor).userId }, async (trx) => {
    const [row] = await trx('projects').where({ id: ctx.projectId }).update({ ...patch, updated_at: trx.fn.now() }).returning(aliased(columns));
    if (!row) throw notFound('project');
    await appendAuditIn(trx, ctx.orgId!, auditActorOf(ctx), { action: 'project.settings_changed', targetType: 'project', targetId: ctx.projectId, data: input });
    return row as Project;
  });
  await afterChange(deps, ctx);
  return project;
}

/** A new public ingest token; SDKs using the old one are refused from now on. */
export async function rotateProjectToken(deps: Deps, ctx: RequestContext): Promise<Project> {
  const project = await deps.pg.withTenant({ orgId: ctx.orgId, userId: (ctx.actor as UserActor).userId }, async (trx) => {
    const [row] = await trx('projects').where({ id: ctx.projectId }).update({ token: generateProjectToken(), updated_at: trx.fn.now() }).returning(aliased(columns));
    if (!row) throw notFound('project');
    await appendAuditIn(trx, ctx.orgId!, auditActorOf(ctx), { action: 'project.token_rotated', targetType: 'project', targetId: ctx.projectId });
    return row as Project;
  });
  await afterChange(deps, ctx);
  return project;
}

/** Deletes a project, its metadata (cascade) and its events. */
export async function deleteProject(deps: Deps, ctx: RequestContext): Promise<void> {
  await deps.pg.withTenant({ orgId: ctx.orgId, userId: (ctx.actor as UserActor).userId }, async (trx) => {
    const n = await trx('projects').where({ id: ctx.projectId }).delete();
    if (!n) throw notFound('project');
    await appendAuditIn(trx, ctx.orgId!, auditActorOf(ctx), { action: 'project.deleted', targetType: 'project', targetId: ctx.projectId });
  });
  const { client, database } = await deps.tenants.clickhouseFor(ctx.orgId!);
  await deleteProjectEvents(client, database, [ctx.projectId!]);
  await afterChange(deps, ctx);
}
