import { adminRoutes } from '../admin/admin.routes.js';
import { auditRoutes } from '../audit/audit.routes.js';
import { authRoutes } from '../auth/auth.routes.js';
import { bearerApiKey } from '../auth/authenticate.js';
import { csrfGuard } from '../auth/csrf.js';
import { createMailer } from '../auth/mailer.js';
import { meRoutes } from '../auth/me.routes.js';
import { providerRouters, type AuthProvider } from '../auth/providers.js';
import { sessionCookie, sessionSettings } from '../auth/sessions.js';
import type { Deps, Module } from '../modules.js';
import { lifecycleTimer } from './lifecycle.js';
import { orgRoutes } from './orgs.routes.js';
import { projectRoutes } from './projects.routes.js';
import { rateLimitGuard } from './rate-limit.js';

/**
 * Accounts and tenancy: authentication (API keys, then session cookies), CSRF and rate-limit
 * guards, sign-in, /me, organizations, members, invitations, projects, audit and instance
 * administration. SSO plugins register as `providers`.
 */
export function accountModules(deps: Deps, providers: AuthProvider[] = []): Module[] {
  const timer = lifecycleTimer(deps);
  return [
    {
      name: 'auth',
      // Order matters: an Authorization header wins over a cookie.
      authenticators: [bearerApiKey(deps.pg), sessionCookie(deps.pg, sessionSettings(deps.config))],
      guards: [csrfGuard(deps.config.env.CAIRN_PUBLIC_URL), rateLimitGuard(deps.pg, deps.config)],
      routes: [...authRoutes(deps, createMailer({ smtpUrl: deps.config.env.CAIRN_SMTP_URL, from: deps.config.env.CAIRN_SMTP_FROM, log: deps.log })), ...meRoutes(deps)],
      routers: providerRouters(deps, providers),
    },
    { name: 'tenancy', routes: [...orgRoutes(deps), ...projectRoutes(deps)], start: timer.start, stop: timer.stop },
    { name: 'audit', routes: auditRoutes(deps.pg) },
    { name: 'admin', routes: adminRoutes(deps) },
  ];
}
