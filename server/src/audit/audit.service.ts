import type { Knex } from 'knex';
import type { RequestContext } from '../tenancy/context.js';
import type { Postgres } from '../db/postgres.js';
import { auditHash, firstBreak, GENESIS_HASH, type AuditRecord, type ChainBreak } from './audit.chain.js';

/** What happened, to what. Actions are dotted nouns and past-tense verbs: `member.removed`, `api_key.created`. */
export interface AuditEvent {
  action: string;
  targetType?: string;
  targetId?: string;
  data?: Record<string, unknown>;
}

/** Who did it, from where. */
export interface AuditActor {
  actorId: string | null;
  actorEmail: string;
  impersonatorId: string | null;
  ip: string;
  userAgent: string;
}

export const auditActorOf = (ctx: Pick<RequestContext, 'actor' | 'ip' | 'userAgent'>): AuditActor => ({
  actorId: ctx.actor.kind === 'user' ? ctx.actor.userId : null,
  actorEmail: ctx.actor.kind === 'user' ? ctx.actor.email : '',
  impersonatorId: ctx.actor.kind === 'user' ? (ctx.actor.session?.impersonator?.id ?? null) : null,
  ip: ctx.ip,
  userAgent: ctx.userAgent.slice(0, 300),
});

export interface AuditEntry {
  seq: number;
  id: string;
  at: string;
  actorId: string | null;
  actorEmail: string;
  impersonatorId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  ip: string;
  userAgent: string;
  data: Record<string, unknown>;
  hash: string;
}

const columns = {
  organizationId: 'organization_id',
  seq: 'seq',
  id: 'id',
  at: 'at',
  actorId: 'actor_id',
  actorEmail: 'actor_email',
  impersonatorId: 'impersonator_id',
  action: 'action',
  targetType: 'target_type',
  targetId: 'target_id',
  ip: 'ip',
  userAgent: 'user_agent',
  data: 'data',
  prevHash: 'prev_hash',
  hash: 'hash',
};

/** Appends inside an open tenant transaction (so the entry commits or rolls back with the change it records). */
export async function appendAuditIn(trx: Knex.Transaction, orgId: string, who: AuditActor, e: AuditEvent): Promise<void> {
  // One writer per organization at a time: the chain needs the previous hash.
  await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`cairn.audit.${orgId}`]);
  const last = await trx('audit_log').where({ organization_id: orgId }).orderBy('seq', 'desc').first('seq', 'hash');
  const record: AuditRecord = {
    organizationId: orgId,
    seq: (last?.seq ?? 0) + 1,
    at: new Date().toISOString(),
    ...who,
    action: e.action,
    targetType: e.targetType ?? '',
    targetId: e.targetId ?? '',
    data: e.data ?? {},
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  await trx('audit_log').insert({
    organization_id: record.organizationId,
    seq: record.seq,
    at: record.at,
    actor_id: record.actorId,
    actor_email: record.actorEmail,
    impersonator_id: record.impersonatorId,
    action: record.action,
    target_type: record.targetType,
    target_id: record.targetId,
    ip: record.ip,
    user_agent: record.userAgent,
    data: JSON.stringify(record.data),
    prev_hash: record.prevHash,
    hash: auditHash(record),
  });
}

/**
 * Appends to the organization's log. The log is control-plane data: it lives in the main
 * database for every organization (dedicated ones too), next to the memberships and keys whose
 * changes it records, so an entry commits atomically with its change.
 */
export async function appendAudit(pg: Postgres, orgId: string, who: AuditActor, e: AuditEvent): Promise<void> {
  await pg.withTenant({ orgId, userId: who.actorId ?? undefined }, (trx) => appendAuditIn(trx, orgId, who, e));
}

export interface AuditFilter {
  action?: string;
  actorId?: string;
  from?: string;
  to?: string;
}

function filtered(q: Knex.QueryBuilder, f: AuditFilter) {
  if (f.action) q.where('action', f.action);
  if (f.actorId) q.where('actor_id', f.actorId);
  if (f.from) q.where('at', '>=', f.from);
  if (f.to) q.where('at', '<', f.to);
  return q;
}

export async function listAudit(pg: Postgres, orgId: string, f: AuditFilter, page: { limit: number; offset: number }) {
  return pg.withTenant({ orgId }, async (trx) => {
    const n = (await filtered(trx('audit_log'), f).count({ n: '*' }))[0]?.n ?? 0;
    const { organizationId: _o, prevHash: _p, ...cols } = columns;
    const items = (await filtered(trx('audit_log'), f)
      .select(cols)
      .orderBy('seq', 'desc')
      .limit(page.limit)
      .offset(page.offset)) as AuditEntry[];
    return { items, total: Number(n) };
  });
}

/** Every entry, oldest first, in batches (exports). */
export async function* allAudit(pg: Postgres, orgId: string, f: AuditFilter = {}): AsyncGenerator<AuditEntry[]> {
  const { organizationId: _o, prevHash: _p, ...cols } = columns;
  for (let after = 0; ; ) {
    const rows = (await pg.withTenant({ orgId }, (trx) =>
      filtered(trx('audit_log'), f).where('seq', '>', after).select(cols).orderBy('seq').limit(1000),
    )) as AuditEntry[];
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1]!.seq;
  }
}

export interface Verification {
  valid: boolean;
  entries: number;
  firstInvalid: ChainBreak | null;
  /** The newest entry: record it outside Cairn to make later truncation of the log detectable too. */
  head: { seq: number; hash: string } | null;
}

/** Recomputes the whole chain of an organization. */
export async function verifyAudit(pg: Postgres, orgId: string): Promise<Verification> {
  let prev = GENESIS_HASH;
  let seq = 1;
  let entries = 0;
  for (;;) {
    const rows = (await pg.withTenant({ orgId }, (trx) =>
      trx('audit_log').where('seq', '>=', seq).select(columns).orderBy('seq').limit(1000),
    )) as Array<AuditRecord & { hash: string }>;
    if (rows.length === 0) break;
    const broken = firstBreak(rows, prev, seq);
    if (broken) return { valid: false, entries: entries + rows.length, firstInvalid: broken, head: null };
    entries += rows.length;
    prev = rows[rows.length - 1]!.hash;
    seq = rows[rows.length - 1]!.seq + 1;
  }
  return { valid: true, entries, firstInvalid: null, head: entries ? { seq: seq - 1, hash: prev } : null };
}
