/** Organization roles, least to most privileged. */
export const roles = ['viewer', 'member', 'admin', 'owner'] as const;
export type Role = (typeof roles)[number];

export const roleAtLeast = (have: Role, need: Role) => roles.indexOf(have) >= roles.indexOf(need);

/** Personal API key scopes. `admin` implies `write` implies `read`. */
export const scopes = ['read', 'write', 'admin'] as const;
export type Scope = (typeof scopes)[number];

export const scopeAllows = (have: readonly Scope[], need: Scope) =>
  have.some((s) => scopes.indexOf(s) >= scopes.indexOf(need));
