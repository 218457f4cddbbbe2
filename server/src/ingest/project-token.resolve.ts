import type { Postgres } from '../db/postgres.js';

export interface TokenProject {
  projectId: string;
  orgId: string;
  orgStatus: string;
}

export interface TokenResolver {
  /** The project a capture token belongs to, or undefined for an unknown token. */
  resolve(token: string): Promise<TokenProject | undefined>;
}

const TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

/**
 * Resolves project tokens through `cairn_project_by_token` (callable by the app role, no
 * tenant needed). Hits are cached for 30 s so capture does not ask PostgreSQL per request;
 * unknown tokens are not cached, so a new project's token works at once.
 */
export function createTokenResolver(pg: Pick<Postgres, 'app'>, now = () => Date.now()): TokenResolver {
  const cache = new Map<string, { value: TokenProject; until: number }>();
  const inFlight = new Map<string, Promise<TokenProject | undefined>>();
  const lookup = async (token: string) => {
    const { rows } = await pg.app.raw('SELECT * FROM cairn_project_by_token(?)', [token]);
    const row = rows[0] as { project_id: string; organization_id: string; org_status: string } | undefined;
    if (!row) return undefined;
    const value = { projectId: row.project_id, orgId: row.organization_id, orgStatus: row.org_status };
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(token, { value, until: now() + TTL_MS });
    return value;
  };
  return {
    async resolve(token) {
      if (!token || token.length > 512) return undefined;
      const hit = cache.get(token);
      if (hit && hit.until > now()) return hit.value;
      let pending = inFlight.get(token);
      if (!pending) {
        pending = lookup(token).finally(() => inFlight.delete(token));
        inFlight.set(token, pending);
      }
      return pending;
    },
  };
}
