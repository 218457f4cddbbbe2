import { z } from 'zod';
import type { Postgres } from '../db/postgres.js';
import { defineRoute } from '../http/route.js';
import type { UserActor } from './context.js';
import { listProjectsOfUser } from './projects.service.js';

export const projectSchema = z.object({
  id: z.uuid(),
  organizationId: z.uuid(),
  name: z.string(),
  timezone: z.string(),
  token: z.string().describe('The public ingest key SDKs send events with'),
  retentionDays: z.number().int().nullable(),
  createdAt: z.string(),
});

export const projectRoutes = (pg: Postgres) => [
  defineRoute({
    method: 'get',
    path: '/projects',
    summary: "List the projects of every organization you belong to",
    tags: ['projects'],
    access: { kind: 'user' },
    list: true,
    response: projectSchema,
    handler: (ctx, { page }) => listProjectsOfUser(pg, ctx.actor as UserActor, page),
  }),
];
