import { randomUUID } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import { appendAuditIn } from '../audit/audit.service.js';
import { appError } from '../http/errors.js';
import type { Deps } from '../modules.js';
import type { Role } from '../tenancy/roles.js';
import { sessionCookies } from './cookies.js';
import { createSession, sessionSettings } from './sessions.js';

/** What an SSO provider (SAML, OIDC, …) asserts about the person who signed in with it. */
export interface ExternalIdentity {
  /** The provider's id, e.g. `okta-saml`. */
  provider: string;
  /** The stable subject at the provider (NameID, `sub`). */
  subject: string;
  email: string;
  name?: string;
  /** The organization the provider is configured for. */
  organizationId: string;
}

export interface ResolveOptions {
  /** Role for a person who is not yet a member (just-in-time provisioning); omit to refuse them. */
  provisionAs?: Role;
}

/** The services a provider plugin gets; it never touches tables itself. */
export interface AuthProviderContext {
  resolve(identity: ExternalIdentity, opts?: ResolveOptions): Promise<{ userId: string; created: boolean }>;
  /** Starts a session for the user and sets the cookies on the response (then redirect to the UI). */
  signIn(req: Request, res: Response, userId: string): Promise<void>;
}

/** An SSO plugin: its own routes (login redirect, assertion consumer, callback) under /auth/sso/<id>. */
export interface AuthProvider {
  id: string;
  displayName: string;
  router(ctx: AuthProviderContext): Router;
}

/**
 * Resolves an external identity to a user in an organization: a known (provider, subject)
 * link wins; else a member with the same email is linked; else, if allowed, a user is
 * created (without a password) and made a member. Runs as the owner role: it is the one
 * pre-authentication step that must look up a user by email across the instance.
 */
export async function resolveExternalIdentity(deps: Deps, id: ExternalIdentity, opts: ResolveOptions = {}) {
  const email = id.email.trim().toLowerCase();
  return deps.pg.owner.transaction(async (trx) => {
    const org = await trx('organizations').where({ id: id.organizationId }).first('status');
    if (!org || org.status !== 'active') throw appError('FORBIDDEN', 'this organization does not accept sign-ins');
    const linked = await trx('external_identities').where({ organization_id: id.organizationId, provider: id.provider, subject: id.subject }).first('user_id');
    if (linked) {
      await trx('external_identities').where({ organization_id: id.organizationId, provider: id.provider, subject: id.subject }).update({ last_login_at: trx.fn.now() });
      return { userId: linked.user_id as string, created: false };
    }
    let user = await trx('users').where({ email }).first('id', 'disabled_at');
    if (user?.disabled_at) throw appError('FORBIDDEN', 'this account is disabled');
    let created = false;
    const member = user && (await trx('memberships').where({ organization_id: id.organizationId, user_id: user.id }).first('role'));
    if (!member) {
      if (!opts.provisionAs) throw appError('FORBIDDEN', 'you are not a member of this organization');
      if (!user) {
        [user] = await trx('users').insert({ id: randomUUID(), email, name: id.name ?? '' }).returning('id');
        created = true;
      }
      await trx('memberships').insert({ organization_id: id.organizationId, user_id: user!.id, role: opts.provisionAs });
    }
    await trx('external_identities').insert({ organization_id: id.organizationId, provider: id.provider, subject: id.subject, user_id: user!.id, last_login_at: trx.fn.now() });
    await trx.raw("SELECT set_config('app.org_id', ?, true)", [id.organizationId]);
    await appendAuditIn(trx, id.organizationId, { actorId: user!.id, actorEmail: email, impersonatorId: null, ip: '', userAgent: '' }, {
      action: 'auth.identity_linked', targetType: 'user', targetId: user!.id, data: { provider: id.provider, created },
    });
    return { userId: user!.id as string, created };
  });
}

export function authProviderContext(deps: Deps): AuthProviderContext {
  return {
    resolve: (identity, opts) => resolveExternalIdentity(deps, identity, opts),
    async signIn(req, res, userId) {
      const s = await createSession(deps.pg, sessionSettings(deps.config), { userId, ip: req.ip ?? '', userAgent: req.get('user-agent') ?? '' });
      const secure = req.secure || deps.config.env.CAIRN_PUBLIC_URL?.startsWith('https:') === true;
      res.setHeader('Set-Cookie', sessionCookies({ token: s.token, csrfToken: s.csrfToken, maxAge: s.maxAge, secure }));
    },
  };
}

/** Mounts each provider's routes under /auth/sso/<id>. */
export const providerRouters = (deps: Deps, providers: AuthProvider[]) =>
  providers.map((p) => ({ path: `/auth/sso/${p.id}`, router: p.router(authProviderContext(deps)) }));
