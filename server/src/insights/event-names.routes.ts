import { z } from 'zod';
import { defineRoute } from '../http/route.js';
import type { TenantStores } from '../tenancy/stores.js';

const eventNameSchema = z.object({
  event: z.string(),
  count: z.number().int().describe('Events in the range (deduplicated)'),
  lastSeen: z.string().describe('ISO 8601 UTC'),
});

/**
 * The event names a project has received, most frequent first: the insight builder's event
 * picker and the "Top events" tile. Reads the events table through the tenant's handle.
 */
export function eventNameRoutes(tenants: TenantStores) {
  return [
    defineRoute({
      method: 'get',
      path: '/projects/:projectId/event-names',
      summary: 'Event names seen in the last N days with their counts, most frequent first',
      tags: ['insights'],
      access: { kind: 'project', role: 'viewer' },
      params: z.object({ projectId: z.uuid() }),
      query: z.object({
        days: z.coerce.number().int().min(1).max(3650).default(30),
        search: z.string().max(200).optional(),
      }),
      list: true,
      response: eventNameSchema,
      handler: async (ctx, { params, query, page }) => {
        const { client, database } = await tenants.clickhouseFor(ctx.orgId!);
        const where = [`project_id = {project:UUID}`, `timestamp >= now64(6) - toIntervalDay({days:UInt32})`];
        if (query.search) where.push(`positionCaseInsensitiveUTF8(event, {search:String}) > 0`);
        const rs = await client.query({
          query: `SELECT event, toUInt64(count()) AS count, formatDateTime(max(timestamp), '%Y-%m-%dT%H:%i:%SZ', 'UTC') AS lastSeen,
                    toUInt64(count() OVER ()) AS total
                  FROM ${database}.events FINAL
                  WHERE ${where.join(' AND ')}
                  GROUP BY event
                  ORDER BY count DESC, event
                  LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
          query_params: { project: params.projectId, days: query.days, search: query.search ?? '', limit: page.limit, offset: page.offset },
          format: 'JSONEachRow',
        });
        const rows = (await rs.json()) as Array<{ event: string; count: string | number; lastSeen: string; total: string | number }>;
        return {
          items: rows.map((r) => ({ event: r.event, count: Number(r.count), lastSeen: r.lastSeen })),
          total: rows.length ? Number(rows[0]!.total) : 0,
        };
      },
    }),
  ];
}
