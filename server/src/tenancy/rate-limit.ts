import type { Config } from '../config/index.js';
import type { Postgres } from '../db/postgres.js';
import { appError } from '../http/errors.js';
import type { RequestGuard } from '../http/app.js';

export interface RateLimits {
  user: number;
  org: number;
}

const WINDOW_MS = 3_600_000;

/** The limits of a plan: the plan's override, else the instance defaults. 0 means unlimited. */
export function limitsFor(config: Config, plan: string | undefined): RateLimits {
  const base = { user: config.env.CAIRN_RATE_LIMIT_USER_PER_HOUR, org: config.env.CAIRN_RATE_LIMIT_ORG_PER_HOUR };
  const o = plan ? config.env.CAIRN_RATE_LIMIT_PLANS?.[plan] : undefined;
  return { user: o?.user ?? base.user, org: o?.org ?? base.org };
}

/**
 * Per-user and per-organization request limits in fixed one-hour windows, counted in
 * PostgreSQL so every API replica shares them. Over a limit: 429 RATE_LIMITED with Retry-After
 * (seconds to the next window). Anonymous requests are not counted here (sign-in has its own throttle).
 */
export function rateLimitGuard(pg: Postgres, config: Config): RequestGuard {
  return async ({ res, ctx }) => {
    if (ctx.actor.kind !== 'user') return;
    const limits = limitsFor(config, ctx.org?.plan);
    const checks: Array<{ key: string; limit: number; what: string }> = [];
    if (limits.user > 0) checks.push({ key: `user:${ctx.actor.userId}`, limit: limits.user, what: 'user' });
    if (limits.org > 0 && ctx.orgId) checks.push({ key: `org:${ctx.orgId}`, limit: limits.org, what: 'organization' });
    if (checks.length === 0) return;
    const now = Date.now();
    const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    const { rows } = await pg.app.raw('SELECT key, count FROM cairn_rate_hit(?::text[], ?)', [
      checks.map((c) => c.key),
      new Date(windowStart).toISOString(),
    ]);
    const counts = new Map((rows as Array<{ key: string; count: number }>).map((r) => [r.key, r.count]));
    const retryAfter = String(Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000)));
    const user = checks.find((c) => c.what === 'user');
    if (user) {
      res.setHeader('X-RateLimit-Limit', String(user.limit));
      res.setHeader('X-RateLimit-Remaining', String(Math.max(0, user.limit - (counts.get(user.key) ?? 0))));
    }
    for (const c of checks) {
      if ((counts.get(c.key) ?? 0) > c.limit) {
        throw appError('RATE_LIMITED', `the ${c.what} request limit of ${c.limit} per hour is reached`, [], { 'Retry-After': retryAfter });
      }
    }
  };
}

/** Drops counters of past windows. */
export async function pruneRateCounters(pg: Postgres): Promise<void> {
  await pg.owner('rate_counters').where('window_start', '<', new Date(Date.now() - 2 * WINDOW_MS).toISOString()).delete();
}
