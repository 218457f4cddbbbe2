import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

/** The hashed fields of one audit row, as stored. */
export interface AuditRecord {
  organizationId: string;
  seq: number;
  at: string;
  actorId: string | null;
  actorEmail: string;
  impersonatorId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  ip: string;
  userAgent: string;
  data: unknown;
  prevHash: string;
}

/** JSON with object keys sorted at every level: jsonb does not keep key order, the hash must not depend on it. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** Each row's hash covers its own fields and the previous row's hash: change any row and every later link breaks. */
export function auditHash(r: AuditRecord): string {
  const fields = [
    r.organizationId, r.seq, r.at, r.actorId, r.actorEmail, r.impersonatorId, r.action,
    r.targetType, r.targetId, r.ip, r.userAgent, canonicalJson(r.data), r.prevHash,
  ];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

export interface ChainBreak {
  seq: number;
  reason: 'hash_mismatch' | 'broken_link' | 'missing_row';
}

/** Walks rows in seq order; the first row whose hash or link does not hold. */
export function firstBreak(rows: Array<AuditRecord & { hash: string }>, expectPrev = GENESIS_HASH, expectSeq = 1): ChainBreak | undefined {
  let prev = expectPrev;
  let seq = expectSeq;
  for (const r of rows) {
    if (r.seq !== seq) return { seq, reason: 'missing_row' };
    if (r.prevHash !== prev) return { seq: r.seq, reason: 'broken_link' };
    if (auditHash(r) !== r.hash) return { seq: r.seq, reason: 'hash_mismatch' };
    prev = r.hash;
    seq++;
  }
  return undefined;
}
