import { z } from 'zod';
import { defineRoute } from '../http/route.js';
import type { Deps } from '../modules.js';
import { roles, scopes } from '../tenancy/roles.js';
import { changePassword, createApiKey, getMe, listApiKeys, listSessions, revokeApiKey, revokeOwnSession, updateMe } from './me.service.js';

const meSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  instanceAdmin: z.boolean(),
  createdAt: z.string(),
  organizations: z.array(
    z.object({ id: z.uuid(), name: z.string(), slug: z.string(), role: z.enum(roles), status: z.enum(['active', 'suspended', 'deleting']), isolation: z.enum(['shared', 'dedicated']) }),
  ),
  csrfToken: z.string().nullable().describe('The CSRF token of the session (null with an API key)'),
  impersonatedBy: z.object({ id: z.uuid(), email: z.string() }).nullable(),
});

const apiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string().describe('The first characters, to recognise the key'),
  scopes: z.array(z.enum(scopes)),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  createdAt: z.string(),
});

export const meRoutes = (deps: Deps) => [
  defineRoute({
    method: 'get', path: '/me', summary: 'You: profile, organizations and the session CSRF token', tags: ['me'],
    access: { kind: 'user' }, response: meSchema,
    handler: (ctx) => getMe(deps, ctx),
  }),
  defineRoute({
    method: 'patch', path: '/me', summary: 'Change your profile', tags: ['me'],
    access: { kind: 'user' }, body: z.object({ name: z.string().trim().max(200).optional() }), response: meSchema,
    handler: (ctx, { body }) => updateMe(deps, ctx, body),
  }),
  defineRoute({
    method: 'post', path: '/me/password', summary: 'Change your password (ends every session: sign in again)', tags: ['me'],
    access: { kind: 'user', scope: 'admin' }, status: 204, response: null,
    body: z.object({ currentPassword: z.string().min(1).max(1024), newPassword: z.string().min(12, 'must be at least 12 characters').max(1024) }),
    handler: (ctx, { body }) => changePassword(deps, ctx, body),
  }),
  defineRoute({
    method: 'get', path: '/me/api-keys', summary: 'Your personal API keys (never the keys themselves)', tags: ['me'],
    access: { kind: 'user' }, list: true, response: apiKeySchema,
    handler: (ctx, { page }) => listApiKeys(deps, ctx, page),
  }),
  defineRoute({
    method: 'post', path: '/me/api-keys', summary: 'Create a personal API key (the key is in this answer only)', tags: ['me'],
    access: { kind: 'user', scope: 'admin' }, status: 201,
    body: z.object({
      name: z.string().trim().min(1).max(200),
      scopes: z.array(z.enum(scopes)).min(1).default(['read']),
      expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
    }),
    response: apiKeySchema.extend({ key: z.string().describe('Shown once; store it now') }),
    handler: (ctx, { body }) => createApiKey(deps, ctx, body),
  }),
  defineRoute({
    method: 'delete', path: '/me/api-keys/:keyId', summary: 'Revoke a personal API key', tags: ['me'],
    access: { kind: 'user', scope: 'admin' }, params: z.object({ keyId: z.uuid() }), status: 204, response: null,
    handler: (ctx, { params }) => revokeApiKey(deps, ctx, params.keyId),
  }),
  defineRoute({
    method: 'get', path: '/me/sessions', summary: 'Your signed-in sessions (devices)', tags: ['me'],
    access: { kind: 'user' }, list: true,
    response: z.object({ id: z.uuid(), createdAt: z.string(), lastSeenAt: z.string(), ip: z.string(), userAgent: z.string(), impersonated: z.boolean(), current: z.boolean() }),
    handler: (ctx, { page }) => listSessions(deps, ctx, page),
  }),
  defineRoute({
    method: 'delete', path: '/me/sessions/:sessionId', summary: 'Sign out a session (another device)', tags: ['me'],
    access: { kind: 'user', scope: 'admin' }, params: z.object({ sessionId: z.uuid() }), status: 204, response: null,
    handler: (ctx, { params }) => revokeOwnSession(deps, ctx, params.sessionId),
  }),
];
