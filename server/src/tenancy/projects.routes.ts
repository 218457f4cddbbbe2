import { z } from 'zod';
import type { Deps } from '../modules.js';
import { defineRoute } from '../http/route.js';
import type { UserActor } from './context.js';
import { deleteProject, getProject, listProjectsOfUser, rotateProjectToken, updateProject } from './projects.service.js';

export const projectSchema = z.object({
  id: z.uuid(),
  organizationId: z.uuid(),
  name: z.string(),
  timezone: z.string(),
  token: z.string().describe('The public ingest key SDKs send events with'),
  retentionDays: z.number().int().nullable(),
  createdAt: z.string(),
});

const projectParams = z.object({ projectId: z.uuid() });

const timezone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Europe/Paris');

export const projectRoutes = (deps: Deps) => [
  defineRoute({
    method: 'get',
    path: '/projects',
    summary: "List the projects of every organization you belong to",
    tags: ['projects'],
    access: { kind: 'user' },
    list: true,
    response: projectSchema,
    handler: (ctx, { page }) => listProjectsOfUser(deps.pg, ctx.actor as UserActor, page),
  }),
  defineRoute({
    method: 'get', path: '/projects/:projectId', summary: 'A project', tags: ['projects'],
    access: { kind: 'project', role: 'viewer' }, params: projectParams, response: projectSchema,
    handler: (ctx) => getProject(deps.pg, ctx.orgId!, ctx.projectId!),
  }),
  defineRoute({
    method: 'patch', path: '/projects/:projectId', summary: "Change a project's settings", tags: ['projects'],
    access: { kind: 'project', role: 'admin' }, params: projectParams, response: projectSchema,
    body: z.object({
      name: z.string().trim().min(1).max(200).optional(),
      timezone: timezone.optional(),
      retentionDays: z.number().int().min(1).max(36_500).nullable().optional(),
    }),
    handler: (ctx, { body }) => updateProject(deps, ctx, body),
  }),
  defineRoute({
    method: 'delete', path: '/projects/:projectId', summary: 'Delete a project with its events', tags: ['projects'],
    access: { kind: 'project', role: 'admin' }, params: projectParams, status: 204, response: null,
    handler: (ctx) => deleteProject(deps, ctx),
  }),
  defineRoute({
    method: 'post', path: '/projects/:projectId/token/rotate', summary: 'Replace the public ingest token (the old one stops working)', tags: ['projects'],
    access: { kind: 'project', role: 'admin' }, params: projectParams, response: projectSchema,
    handler: (ctx) => rotateProjectToken(deps, ctx),
  }),
];
