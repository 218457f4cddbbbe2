import type { Role, Scope } from './roles.js';

/** Who is calling. Resolved once per request by the authentication middleware. */
export type Actor =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      userId: string;
      email: string;
      instanceAdmin: boolean;
      /** How the caller proved who they are. */
      via: 'session' | 'api_key';
      /** Scopes of the API key; a session carries every scope. */
      scopes: readonly Scope[];
      apiKeyId?: string;
      /** Set when the caller came with a session cookie. */
      session?: SessionRef;
    };

/** The server-side session behind a cookie. */
export interface SessionRef {
  id: string;
  /** What cookie-authenticated writes must echo in X-CSRF-Token. */
  csrfToken: string;
  /** The instance administrator acting as this user, when impersonating. */
  impersonator?: { id: string; email: string };
}

export type UserActor = Extract<Actor, { kind: 'user' }>;

/**
 * Everything a service needs to know about the caller. The tenant travels explicitly:
 * services never read `req`, and the data handle they open is already tenant-scoped.
 */
export interface RequestContext {
  actor: Actor;
  /** Set when the route is scoped to an organization (or a project, which belongs to one). */
  orgId?: string;
  projectId?: string;
  role?: Role;
  /** The organization's state, set with orgId. */
  org?: { status: 'active' | 'suspended' | 'deleting'; plan: string; isolation: 'shared' | 'dedicated' };
  ip: string;
  userAgent: string;
  requestId: string;
  /** Whether the request reached us over TLS (directly or, with CAIRN_TRUST_PROXY, via a proxy). */
  secure?: boolean;
}
