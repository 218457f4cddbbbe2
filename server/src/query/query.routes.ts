import { z } from 'zod';
import { defineRoute } from '../http/route.js';
import { queryRequestSchema, queryResultSchema } from './definitions.js';
import type { queryService } from './service.js';

const projectParams = z.object({ projectId: z.uuid() });

export function queryRoutes(svc: ReturnType<typeof queryService>) {
  return [
    defineRoute({
      method: 'post',
      path: '/projects/:projectId/query',
      summary: 'Run an analysis (trends, funnel, retention, paths, stickiness, lifecycle, events, persons, churn risk)',
      tags: ['query'],
      // A query reads, even though its definition travels in a POST body.
      access: { kind: 'project', role: 'viewer', scope: 'read' },
      params: projectParams,
      body: queryRequestSchema,
      bodyLimit: '200kb',
      response: queryResultSchema,
      handler: (ctx, { body }) => svc.run(ctx, body.query, body.refresh),
    }),
  ];
}
