import { appendAudit, type AuditActor, type AuditEvent } from '../audit/audit.service.js';
import type { Postgres } from '../db/postgres.js';

/**
 * Account events (sign-in, failed sign-in, password change, API keys) concern every
 * organization the user belongs to: each one's log gets the entry.
 */
export async function auditForUser(pg: Postgres, userId: string, who: AuditActor, e: AuditEvent): Promise<void> {
  const orgIds = (await pg.withTenant({ userId }, (trx) => trx('memberships').where({ user_id: userId }).pluck('organization_id'))) as string[];
  for (const orgId of orgIds) await appendAudit(pg, orgId, who, e);
}
