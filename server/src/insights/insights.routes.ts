import { z } from 'zod';
import type { TenantStores } from '../tenancy/stores.js';
import { defineRoute } from '../http/route.js';
import { createInsightBody, insightListQuery, insightSchema, updateInsightBody } from './insights.schema.js';
import { insightService } from './insights.service.js';

const projectParams = z.object({ projectId: z.uuid() });
const insightParams = z.object({ projectId: z.uuid(), insightId: z.uuid({ message: 'not an insight id' }) });

export function insightRoutes(tenants: TenantStores) {
  const svc = insightService(tenants);
  const tags = ['insights'];
  return [
    defineRoute({
      method: 'get',
      path: '/projects/:projectId/insights',
      summary: 'List saved insights, most recently changed first',
      tags,
      access: { kind: 'project', role: 'viewer' },
      params: projectParams,
      query: insightListQuery,
      list: true,
      response: insightSchema,
      handler: (ctx, { query, page }) => svc.list(ctx, query, page),
    }),
    defineRoute({
      method: 'post',
      path: '/projects/:projectId/insights',
      summary: 'Save an insight (a query definition and how to show it)',
      tags,
      access: { kind: 'project', role: 'member' },
      params: projectParams,
      body: createInsightBody,
      status: 201,
      response: insightSchema,
      handler: (ctx, { body }) => svc.create(ctx, body),
    }),
    defineRoute({
      method: 'get',
      path: '/projects/:projectId/insights/:insightId',
      summary: 'One saved insight',
      tags,
      access: { kind: 'project', role: 'viewer' },
      params: insightParams,
      response: insightSchema,
      handler: (ctx, { params }) => svc.get(ctx, params.insightId),
    }),
    defineRoute({
      method: 'patch',
      path: '/projects/:projectId/insights/:insightId',
      summary: 'Rename an insight or change its query or display',
      tags,
      access: { kind: 'project', role: 'member' },
      params: insightParams,
      body: updateInsightBody,
      response: insightSchema,
      handler: (ctx, { params, body }) => svc.update(ctx, params.insightId, body),
    }),
    defineRoute({
      method: 'post',
      path: '/projects/:projectId/insights/:insightId/duplicate',
      summary: 'Copy an insight',
      tags,
      access: { kind: 'project', role: 'member' },
      params: insightParams,
      status: 201,
      response: insightSchema,
      handler: (ctx, { params }) => svc.duplicate(ctx, params.insightId),
    }),
    defineRoute({
      method: 'delete',
      path: '/projects/:projectId/insights/:insightId',
      summary: 'Delete an insight (and its tiles on every dashboard)',
      tags,
      access: { kind: 'project', role: 'member' },
      params: insightParams,
      status: 204,
      response: null,
      handler: (ctx, { params }) => svc.remove(ctx, params.insightId),
    }),
  ];
}
