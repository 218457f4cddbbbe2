import { z } from 'zod';
import type { Postgres } from '../../db/postgres.js';
import { defineRoute } from '../../http/route.js';
import { cohortInputSchema, cohortPatchSchema, cohortSchema } from './cohort.schema.js';
import { cohortsService } from './cohorts.service.js';

const projectParams = z.object({ projectId: z.uuid() });
const cohortParams = z.object({ projectId: z.uuid(), cohortId: z.uuid() });

export function cohortRoutes(pg: Postgres) {
  const svc = cohortsService(pg);
  const base = '/projects/:projectId/cohorts';
  return [
    defineRoute({
      method: 'get',
      path: base,
      summary: 'List the saved cohorts of a project',
      tags: ['cohorts'],
      access: { kind: 'project', role: 'viewer' },
      params: projectParams,
      list: true,
      response: cohortSchema,
      handler: (ctx, { page }) => svc.list(ctx, page),
    }),
    defineRoute({
      method: 'post',
      path: base,
      summary: 'Save a cohort (behavioural or by person property)',
      tags: ['cohorts'],
      access: { kind: 'project', role: 'member' },
      params: projectParams,
      body: cohortInputSchema,
      status: 201,
      response: cohortSchema,
      handler: (ctx, { body }) => svc.create(ctx, body),
    }),
    defineRoute({
      method: 'get',
      path: `${base}/:cohortId`,
      summary: 'Get a saved cohort',
      tags: ['cohorts'],
      access: { kind: 'project', role: 'viewer' },
      params: cohortParams,
      response: cohortSchema,
      handler: (ctx, { params }) => svc.get(ctx, params.cohortId),
    }),
    defineRoute({
      method: 'patch',
      path: `${base}/:cohortId`,
      summary: 'Change a saved cohort',
      tags: ['cohorts'],
      access: { kind: 'project', role: 'member' },
      params: cohortParams,
      body: cohortPatchSchema,
      response: cohortSchema,
      handler: (ctx, { params, body }) => svc.update(ctx, params.cohortId, body),
    }),
    defineRoute({
      method: 'delete',
      path: `${base}/:cohortId`,
      summary: 'Delete a saved cohort',
      tags: ['cohorts'],
      access: { kind: 'project', role: 'member' },
      params: cohortParams,
      status: 204,
      response: null,
      handler: (ctx, { params }) => svc.remove(ctx, params.cohortId),
    }),
  ];
}
