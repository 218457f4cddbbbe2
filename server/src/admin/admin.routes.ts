import { z } from 'zod';
import { signIn, signedInSchema } from '../auth/auth.routes.js';
import { appError } from '../http/errors.js';
import { defineRoute } from '../http/route.js';
import type { Deps } from '../modules.js';
import { auditImpersonation, listOrgsWithUsage, listUsers, setDisabled, setInstanceAdmin, setPlan, suspendOrg, targetUser, unsuspendOrg } from './admin.service.js';

const orgParams = z.object({ orgId: z.uuid() });
const userParams = z.object({ userId: z.uuid() });
const reason = z.string().trim().min(10, 'state the reason (at least 10 characters); it is audited').max(1000);

const usageSchema = z.object({
  id: z.uuid(), name: z.string(), slug: z.string(), plan: z.string(),
  status: z.enum(['active', 'suspended', 'deleting']), isolation: z.enum(['shared', 'dedicated']),
  createdAt: z.string(), suspendedReason: z.string().nullable(), purgeAfter: z.string().nullable(),
  members: z.number().int(), projects: z.number().int(), events: z.number().int(),
});

export const adminRoutes = (deps: Deps) => [
  defineRoute({
    method: 'get', path: '/admin/orgs', summary: 'Every organization with its usage (instance administrators)', tags: ['admin'],
    access: { kind: 'instanceAdmin' }, list: true, response: usageSchema,
    handler: (_ctx, { page }) => listOrgsWithUsage(deps, page),
  }),
  defineRoute({
    method: 'patch', path: '/admin/orgs/:orgId', summary: "Change an organization's plan", tags: ['admin'],
    access: { kind: 'instanceAdmin' }, params: orgParams, status: 204, response: null,
    body: z.object({ plan: z.string().trim().min(1).max(50) }),
    handler: (ctx, { params, body }) => setPlan(deps, ctx, params.orgId, body.plan),
  }),
  defineRoute({
    method: 'post', path: '/admin/orgs/:orgId/suspend', summary: 'Suspend an organization (read-only, ingestion refused)', tags: ['admin'],
    access: { kind: 'instanceAdmin' }, params: orgParams, status: 204, response: null,
    body: z.object({ reason }),
    handler: (ctx, { params, body }) => suspendOrg(deps, ctx, params.orgId, body.reason),
  }),
  defineRoute({
    method: 'post', path: '/admin/orgs/:orgId/unsuspend', summary: 'Lift the suspension of an organization', tags: ['admin'],
    access: { kind: 'instanceAdmin' }, params: orgParams, status: 204, response: null,
    handler: (ctx, { params }) => unsuspendOrg(deps, ctx, params.orgId),
  }),
  defineRoute({
    method: 'get', path: '/admin/users', summary: 'Every account of the instance', tags: ['admin'],
    access: { kind: 'instanceAdmin' }, list: true,
    response: z.object({ id: z.uuid(), email: z.string(), name: z.string(), instanceAdmin: z.boolean(), disabledAt: z.string().nullable(), createdAt: z.string(), organizations: z.number().int() }),
    handler: (_ctx, { page }) => listUsers(deps, page),
  }),
  defineRoute({
    method: 'patch', path: '/admin/users/:userId', summary: 'Grant or remove instance administration', tags: ['admin'],
    access: { kind: 'instanceAdmin', scope: 'admin' }, params: userParams, status: 204, response: null,
    body: z.object({ instanceAdmin: z.boolean() }),
    handler: (ctx, { params, body }) => setInstanceAdmin(deps, ctx, params.userId, body.instanceAdmin),
  }),
  defineRoute({
    method: 'post', path: '/admin/users/:userId/disable', summary: 'Disable an account (ends its sessions; its keys stop working)', tags: ['admin'],
    access: { kind: 'instanceAdmin' }, params: userParams, status: 204, response: null,
    handler: (ctx, { params }) => setDisabled(deps, ctx, params.userId, true),
  }),
  defineRoute({
    method: 'post', path: '/admin/users/:userId/enable', summary: 'Re-enable an account', tags: ['admin'],
    access: { kind: 'instanceAdmin' }, params: userParams, status: 204, response: null,
    handler: (ctx, { params }) => setDisabled(deps, ctx, params.userId, false),
  }),
  defineRoute({
    method: 'post', path: '/admin/users/:userId/impersonate',
    summary: "Sign in as a user, with a stated reason that is written to the user's organizations' audit logs", tags: ['admin'],
    access: { kind: 'instanceAdmin', scope: 'admin' }, params: userParams, body: z.object({ reason }), response: signedInSchema,
    handler: async (ctx, { params, body }) => {
      const u = await targetUser(deps, params.userId);
      if (u.disabled_at) throw appError('CONFLICT', 'this account is disabled');
      if (ctx.actor.kind !== 'user') throw appError('UNAUTHENTICATED', 'sign in');
      await auditImpersonation(deps, ctx, u.id, body.reason);
      return signIn(deps, ctx, { id: u.id, email: u.email, name: u.name, instanceAdmin: false }, { id: ctx.actor.userId, reason: body.reason });
    },
  }),
];
