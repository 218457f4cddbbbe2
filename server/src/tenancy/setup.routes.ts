import { z } from 'zod';
import type { Postgres } from '../db/postgres.js';
import { defineRoute } from '../http/route.js';
import { isInitialised, setupFirstOwner } from './bootstrap.js';
import { ensureDefaultDashboard } from '../dashboards/default-dashboard.js';

const setupBody = z.object({
  email: z.string().trim().email().max(320),
  password: z.string().min(12, 'must be at least 12 characters').max(1024),
  name: z.string().trim().max(200).optional(),
  orgName: z.string().trim().min(1).max(200),
  projectName: z.string().trim().min(1).max(200),
});

export const setupRoutes = (pg: Postgres) => [
  defineRoute({
    method: 'get',
    path: '/setup',
    summary: 'Whether this instance has its first owner yet',
    tags: ['setup'],
    access: { kind: 'public' },
    response: z.object({ initialised: z.boolean() }),
    handler: async () => ({ initialised: await isInitialised(pg) }),
  }),
  defineRoute({
    method: 'post',
    path: '/setup',
    summary: 'Create the first owner, organization and project (only on a fresh instance)',
    tags: ['setup'],
    access: { kind: 'public' },
    body: setupBody,
    status: 201,
    response: z.object({ userId: z.uuid(), orgId: z.uuid(), projectId: z.uuid(), projectToken: z.string() }),
    handler: async (_ctx, { body }) => {
      const r = await setupFirstOwner(pg, body);
      await ensureDefaultDashboard(pg, { orgId: r.orgId, projectId: r.projectId, userId: r.userId });
      return { userId: r.userId, orgId: r.orgId, projectId: r.projectId, projectToken: r.projectToken };
    },
  }),
];
