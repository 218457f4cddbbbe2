import { z } from 'zod';
import { auditActorOf } from '../audit/audit.service.js';
import { JsonReply, defineRoute } from '../http/route.js';
import type { Deps } from '../modules.js';
import type { RequestContext } from '../tenancy/context.js';
import { acceptInvite } from '../tenancy/invites.service.js';
import { roles } from '../tenancy/roles.js';
import { clearedCookies, sessionCookies } from './cookies.js';
import type { Mailer } from './mailer.js';
import { confirmPasswordReset, requestPasswordReset } from './password-reset.js';
import { passwordLogin } from './password-login.js';
import { createSession, revokeSession, sessionSettings } from './sessions.js';
import { LoginThrottle, throttleSettings } from './throttle.js';
import { auditForUser } from './user-audit.js';

const password = z.string().min(12, 'must be at least 12 characters').max(1024);

export const signedInSchema = z.object({
  user: z.object({ id: z.uuid(), email: z.string(), name: z.string(), instanceAdmin: z.boolean() }),
  csrfToken: z.string().describe('Send it in X-CSRF-Token with every cookie-authenticated write (also in cookie cairn_csrf)'),
});

/** Secure cookies when the public URL is https or the request came over TLS. */
export const cookiesSecure = (deps: Deps, ctx: RequestContext) =>
  ctx.secure === true || deps.config.env.CAIRN_PUBLIC_URL?.startsWith('https:') === true;

/** Starts a fresh session (revoking the one the request came with) and answers with its cookies. */
export async function signIn(deps: Deps, ctx: RequestContext, user: z.infer<typeof signedInSchema>['user'], impersonator?: { id: string; reason: string }) {
  if (ctx.actor.kind === 'user' && ctx.actor.session) await revokeSession(deps.pg, ctx.actor.userId, ctx.actor.session.id);
  const s = await createSession(deps.pg, sessionSettings(deps.config), { userId: user.id, ip: ctx.ip, userAgent: ctx.userAgent, impersonator });
  return new JsonReply(
    { user, csrfToken: s.csrfToken },
    { 'Set-Cookie': sessionCookies({ token: s.token, csrfToken: s.csrfToken, maxAge: s.maxAge, secure: cookiesSecure(deps, ctx) }), 'Cache-Control': 'no-store' },
  );
}

export const authRoutes = (deps: Deps, mailer: Mailer) => {
  const login = passwordLogin(deps.pg, new LoginThrottle(deps.pg, throttleSettings(deps.config)));
  return [
    defineRoute({
      method: 'post', path: '/auth/login', summary: 'Sign in with email and password (sets the session cookie)', tags: ['auth'],
      access: { kind: 'public' },
      body: z.object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(1024) }),
      response: signedInSchema,
      handler: async (ctx, { body }) => {
        const who = auditActorOf(ctx);
        const user = await login(body.email, body.password, ctx.ip, (userId) =>
          auditForUser(deps.pg, userId, { ...who, actorId: userId, actorEmail: body.email.trim().toLowerCase() }, { action: 'auth.login_failed', targetType: 'user', targetId: userId }),
        );
        await auditForUser(deps.pg, user.id, { ...who, actorId: user.id, actorEmail: user.email }, { action: 'auth.login', targetType: 'user', targetId: user.id });
        return signIn(deps, ctx, user);
      },
    }),
    defineRoute({
      method: 'post', path: '/auth/logout', summary: 'Sign out (revokes the session, clears the cookies)', tags: ['auth'],
      access: { kind: 'user', scope: 'read' }, status: 204, response: null,
      handler: async (ctx) => {
        if (ctx.actor.kind === 'user' && ctx.actor.session) {
          await revokeSession(deps.pg, ctx.actor.userId, ctx.actor.session.id);
          await auditForUser(deps.pg, ctx.actor.userId, auditActorOf(ctx), { action: 'auth.logout', targetType: 'user', targetId: ctx.actor.userId });
        }
        return new JsonReply(undefined, { 'Set-Cookie': clearedCookies(cookiesSecure(deps, ctx)) });
      },
    }),
    defineRoute({
      method: 'post', path: '/auth/password-reset', summary: 'Send a password reset link (always 202)', tags: ['auth'],
      access: { kind: 'public' }, status: 202, response: null,
      body: z.object({ email: z.string().trim().min(1).max(320) }),
      handler: async (_ctx, { body }) => {
        await requestPasswordReset(deps, mailer, body.email);
      },
    }),
    defineRoute({
      method: 'post', path: '/auth/password-reset/confirm', summary: 'Choose a new password with a reset token (ends every session)', tags: ['auth'],
      access: { kind: 'public' }, status: 204, response: null,
      body: z.object({ token: z.string().min(1).max(200), password }),
      handler: async (ctx, { body }) => {
        const userId = await confirmPasswordReset(deps, body.token, body.password);
        await auditForUser(deps.pg, userId, { ...auditActorOf(ctx), actorId: userId }, { action: 'user.password_reset', targetType: 'user', targetId: userId });
      },
    }),
    defineRoute({
      method: 'post', path: '/invites/accept', summary: 'Accept an invitation (creates the account when there is none, and signs it in)', tags: ['members'],
      access: { kind: 'public' },
      body: z.object({ token: z.string().min(1).max(200), password: password.optional(), name: z.string().trim().max(200).optional() }),
      response: z.object({ organizationId: z.uuid(), userId: z.uuid(), role: z.enum(roles), accountCreated: z.boolean(), csrfToken: z.string().optional() }),
      handler: async (ctx, { body }) => {
        const r = await acceptInvite(deps, ctx, body);
        if (!r.accountCreated) return r;
        const user = await deps.pg.withTenant({ userId: r.userId }, (trx) => trx('users').where({ id: r.userId }).first('id', 'email', 'name', 'is_instance_admin'));
        const reply = await signIn(deps, ctx, { id: user.id, email: user.email, name: user.name, instanceAdmin: user.is_instance_admin });
        return new JsonReply({ ...r, csrfToken: reply.data.csrfToken }, reply.headers);
      },
    }),
  ];
};
