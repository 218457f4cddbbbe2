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
    };

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
  ip: string;
  userAgent: string;
  requestId: string;
}
