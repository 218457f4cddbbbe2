import type { Postgres } from '../db/postgres.js';
import type { UserActor } from './context.js';

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
