import { z } from 'zod';
import { defineRoute } from '../http/route.js';
import type { Deps } from '../modules.js';
import { createInvite, describeInvite, listInvites, revokeInvite } from './invites.service.js';
import { changeRole, listMembers, removeMember } from './members.service.js';
import { createOrg, deleteOrg, getOrg, listMyOrgs, restoreOrg, updateOrg } from './orgs.service.js';
import { createProject, listOrgProjects } from './projects.service.js';
import { projectSchema } from './projects.routes.js';
import { roles } from './roles.js';
import type { UserActor } from './context.js';

export const orgSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  slug: z.string(),
  plan: z.string(),
  status: z.enum(['active', 'suspended', 'deleting']),
  isolation: z.enum(['shared', 'dedicated']),
  createdAt: z.string(),
  purgeAfter: z.string().nullable().describe('When a deleting organization is purged for good'),
  role: z.enum(roles).describe('Your role in it'),
});

const memberSchema = z.object({ userId: z.uuid(), email: z.string(), name: z.string(), role: z.enum(roles), joinedAt: z.string() });
const inviteSchema = z.object({ id: z.uuid(), email: z.string(), role: z.enum(roles), invitedBy: z.uuid().nullable(), createdAt: z.string(), expiresAt: z.string() });

const orgParams = z.object({ orgId: z.uuid() });
const memberParams = z.object({ orgId: z.uuid(), userId: z.uuid() });
const inviteParams = z.object({ orgId: z.uuid(), inviteId: z.uuid() });
const name = z.string().trim().min(1).max(200);

export const projectBody = z.object({
  name,
  timezone: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as Europe/Paris')
    .default('UTC'),
  retentionDays: z.number().int().min(1).max(36_500).nullable().default(null),
});

export const orgRoutes = (deps: Deps) => [
  defineRoute({
    method: 'get', path: '/orgs', summary: 'List the organizations you belong to', tags: ['organizations'],
    access: { kind: 'user' }, list: true, response: orgSchema,
    handler: (ctx, { page }) => listMyOrgs(deps, ctx, page),
  }),
  defineRoute({
    method: 'post', path: '/orgs', summary: 'Create an organization (you become its owner)', tags: ['organizations'],
    access: { kind: 'user' }, status: 201, response: orgSchema,
    body: z.object({ name, isolation: z.enum(['shared', 'dedicated']).default('shared').describe('dedicated: own PostgreSQL and ClickHouse databases (instance administrators only)') }),
    handler: (ctx, { body }) => createOrg(deps, ctx, body),
  }),
  defineRoute({
    method: 'get', path: '/orgs/:orgId', summary: 'An organization', tags: ['organizations'],
    access: { kind: 'org', role: 'viewer' }, params: orgParams, response: orgSchema,
    handler: (ctx) => getOrg(deps, ctx),
  }),
  defineRoute({
    method: 'patch', path: '/orgs/:orgId', summary: "Change an organization's settings", tags: ['organizations'],
    access: { kind: 'org', role: 'admin' }, params: orgParams, response: orgSchema,
    body: z.object({ name: name.optional() }),
    handler: (ctx, { body }) => updateOrg(deps, ctx, body),
  }),
  defineRoute({
    method: 'delete', path: '/orgs/:orgId', summary: 'Delete an organization (read-only now, purged after the grace period)', tags: ['organizations'],
    access: { kind: 'org', role: 'owner' }, params: orgParams, status: 202, response: orgSchema,
    handler: (ctx) => deleteOrg(deps, ctx),
  }),
  defineRoute({
    method: 'post', path: '/orgs/:orgId/restore', summary: 'Cancel the deletion of an organization', tags: ['organizations'],
    access: { kind: 'org', role: 'owner', whileSuspended: 'allow' }, params: orgParams, response: orgSchema,
    handler: (ctx) => restoreOrg(deps, ctx),
  }),

  defineRoute({
    method: 'get', path: '/orgs/:orgId/projects', summary: "An organization's projects", tags: ['projects'],
    access: { kind: 'org', role: 'viewer' }, params: orgParams, list: true, response: projectSchema,
    handler: (ctx, { page }) => listOrgProjects(deps.pg, ctx.orgId!, page),
  }),
  defineRoute({
    method: 'post', path: '/orgs/:orgId/projects', summary: 'Create a project', tags: ['projects'],
    access: { kind: 'org', role: 'admin' }, params: orgParams, body: projectBody, status: 201, response: projectSchema,
    handler: (ctx, { body }) => createProject(deps, ctx, body),
  }),

  defineRoute({
    method: 'get', path: '/orgs/:orgId/members', summary: "An organization's members and their roles", tags: ['members'],
    access: { kind: 'org', role: 'viewer' }, params: orgParams, list: true, response: memberSchema,
    handler: (ctx, { page }) => listMembers(deps, ctx, page),
  }),
  defineRoute({
    method: 'patch', path: '/orgs/:orgId/members/:userId', summary: "Change a member's role (only owners grant or remove ownership)", tags: ['members'],
    access: { kind: 'org', role: 'admin' }, params: memberParams, body: z.object({ role: z.enum(roles) }), response: memberSchema,
    handler: (ctx, { params, body }) => changeRole(deps, ctx, params.userId, body.role),
  }),
  defineRoute({
    method: 'delete', path: '/orgs/:orgId/members/:userId', summary: 'Remove a member (only owners remove owners)', tags: ['members'],
    access: { kind: 'org', role: 'admin' }, params: memberParams, status: 204, response: null,
    handler: (ctx, { params }) => removeMember(deps, ctx, params.userId),
  }),
  defineRoute({
    method: 'delete', path: '/orgs/:orgId/membership', summary: 'Leave the organization (the last owner cannot)', tags: ['members'],
    access: { kind: 'org', role: 'viewer' }, params: orgParams, status: 204, response: null,
    handler: (ctx) => removeMember(deps, ctx, (ctx.actor as UserActor).userId),
  }),

  defineRoute({
    method: 'get', path: '/orgs/:orgId/invites', summary: 'Pending invitations', tags: ['members'],
    access: { kind: 'org', role: 'admin' }, params: orgParams, list: true, response: inviteSchema,
    handler: (ctx, { page }) => listInvites(deps, ctx, page),
  }),
  defineRoute({
    method: 'post', path: '/orgs/:orgId/invites', summary: 'Invite someone by email (the token is shown once)', tags: ['members'],
    access: { kind: 'org', role: 'admin' }, params: orgParams, status: 201,
    body: z.object({ email: z.string().trim().email().max(320), role: z.enum(roles).default('member') }),
    response: inviteSchema.extend({ token: z.string(), acceptUrl: z.string() }),
    handler: (ctx, { body }) => createInvite(deps, ctx, body),
  }),
  defineRoute({
    method: 'delete', path: '/orgs/:orgId/invites/:inviteId', summary: 'Revoke an invitation', tags: ['members'],
    access: { kind: 'org', role: 'admin' }, params: inviteParams, status: 204, response: null,
    handler: (ctx, { params }) => revokeInvite(deps, ctx, params.inviteId),
  }),
  defineRoute({
    method: 'get', path: '/invites/:token', summary: 'What an invitation is for (the acceptance page)', tags: ['members'],
    access: { kind: 'public' }, params: z.object({ token: z.string().min(1).max(200) }),
    response: z.object({ organizationName: z.string(), email: z.string(), role: z.enum(roles), expiresAt: z.string(), accountExists: z.boolean() }),
    handler: (_ctx, { params }) => describeInvite(deps, params.token),
  }),
];
