import { z } from 'zod';
import type { Postgres } from '../db/postgres.js';
import { RawReply, defineRoute } from '../http/route.js';
import { allAudit, listAudit, verifyAudit, type AuditEntry } from './audit.service.js';

const entrySchema = z.object({
  seq: z.number().int(),
  id: z.uuid(),
  at: z.string(),
  actorId: z.uuid().nullable(),
  actorEmail: z.string(),
  impersonatorId: z.uuid().nullable().describe('The instance administrator acting as the actor, if any'),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string(),
  ip: z.string(),
  userAgent: z.string(),
  data: z.record(z.string(), z.unknown()),
  hash: z.string(),
});

const filter = z.object({
  action: z.string().max(100).optional(),
  actorId: z.uuid().optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
const orgParams = z.object({ orgId: z.uuid() });

const CSV_COLUMNS: Array<keyof AuditEntry> = ['seq', 'id', 'at', 'actorId', 'actorEmail', 'impersonatorId', 'action', 'targetType', 'targetId', 'ip', 'userAgent', 'data', 'hash'];

/** RFC 4180 quoting; cells that a spreadsheet would run as a formula are prefixed with a quote. */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const auditRoutes = (pg: Postgres) => [
  defineRoute({
    method: 'get', path: '/orgs/:orgId/audit', summary: "The organization's audit log, newest first", tags: ['audit'],
    access: { kind: 'org', role: 'admin' }, params: orgParams, query: filter, list: true, response: entrySchema,
    handler: (ctx, { query, page }) => listAudit(pg, ctx.orgId!, query, page),
  }),
  defineRoute({
    method: 'get', path: '/orgs/:orgId/audit/export', summary: 'Export the audit log as CSV or JSON, oldest first', tags: ['audit'],
    access: { kind: 'org', role: 'admin' }, params: orgParams, query: filter.extend({ format: z.enum(['csv', 'json']).default('json') }),
    response: z.string().describe('CSV text or a JSON array of entries'),
    handler: async (ctx, { query }) => {
      const { format, ...f } = query;
      const rows: AuditEntry[] = [];
      for await (const batch of allAudit(pg, ctx.orgId!, f)) rows.push(...batch);
      const file = `audit-${ctx.orgId}.${format}`;
      const headers = { 'Content-Disposition': `attachment; filename="${file}"`, 'Cache-Control': 'no-store' };
      if (format === 'json') return new RawReply(JSON.stringify(rows), 'application/json', headers);
      const lines = [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => csvCell(r[c])).join(','))];
      return new RawReply(lines.join('\r\n') + '\r\n', 'text/csv; charset=utf-8', headers);
    },
  }),
  defineRoute({
    method: 'get', path: '/orgs/:orgId/audit/verify', summary: 'Recompute the hash chain: detects entries altered or removed in the database', tags: ['audit'],
    access: { kind: 'org', role: 'admin' }, params: orgParams,
    response: z.object({
      valid: z.boolean(),
      entries: z.number().int(),
      firstInvalid: z.object({ seq: z.number().int(), reason: z.enum(['hash_mismatch', 'broken_link', 'missing_row']) }).nullable(),
      head: z
        .object({ seq: z.number().int(), hash: z.string() })
        .nullable()
        .describe('The newest entry of a valid chain; keep it outside Cairn to detect a later truncation'),
    }),
    handler: (ctx) => verifyAudit(pg, ctx.orgId!),
  }),
];
