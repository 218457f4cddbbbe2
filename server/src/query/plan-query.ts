import type { WallRange } from './dates.js';
import type { Query, QueryResult } from './definitions.js';
import { planChurn } from './churn.compile.js';
import { planFunnel } from './funnel.compile.js';
import { planLifecycle } from './lifecycle.compile.js';
import { planEvents, planPersons } from './listings.compile.js';
import { planPaths } from './paths.compile.js';
import type { Plan } from './plan.js';
import { planRetention } from './retention.compile.js';
import type { CompileEnv } from './sql.js';
import { planStickiness } from './stickiness.compile.js';
import { planTrends } from './trends.compile.js';

/** One plan per cohort (the cohort as an extra filter), answers joined with the cohort id as breakdown value. */
function byCohort<R>(ids: string[], plan: (id: string) => Plan<R>, join: (parts: R[]) => R): Plan<R> {
  const plans = ids.map(plan);
  return {
    queries: plans.flatMap((p) => p.queries),
    shape(rowsets) {
      let at = 0;
      return join(
        plans.map((p) => {
          const part = p.shape(rowsets.slice(at, at + p.queries.length));
          at += p.queries.length;
          return part;
        }),
      );
    },
  };
}

const withCohort = <Q extends { filters: Query['filters']; breakdown?: unknown }>(q: Q, cohortId: string): Q => ({
  ...q,
  breakdown: undefined,
  filters: [...q.filters, { type: 'cohort' as const, cohortId, operator: 'in' as const }],
});

/** Definition → plan, by kind. Pure: same input, same SQL and parameters. */
export function planQuery(env: CompileEnv, q: Query, range: WallRange): Plan<QueryResult> {
  switch (q.kind) {
    case 'trends': {
      const b = q.breakdown;
      if (b?.type !== 'cohort') return planTrends(env, q, range);
      return byCohort(b.cohortIds, (id) => planTrends(env, withCohort(q, id), range), (parts) => ({
        ...parts[0]!,
        series: parts.flatMap((r, i) => r.series.map((x) => ({ ...x, breakdownValue: b.cohortIds[i]! }))),
      }));
    }
    case 'funnel': {
      const b = q.breakdown;
      if (b?.type !== 'cohort') return planFunnel(env, q, range);
      return byCohort(b.cohortIds, (id) => planFunnel(env, withCohort(q, id), range), (parts) => ({
        kind: 'funnel' as const,
        breakdowns: parts.flatMap((r, i) => r.breakdowns.map((x) => ({ ...x, breakdownValue: b.cohortIds[i]! }))),
      }));
    }
    case 'retention':
      return planRetention(env, q, range);
    case 'paths':
      return planPaths(env, q, range);
    case 'stickiness':
      return planStickiness(env, q, range);
    case 'lifecycle':
      return planLifecycle(env, q, range);
    case 'events':
      return planEvents(env, q, range);
    case 'persons':
      return planPersons(env, q, range);
    case 'churn_risk':
      return planChurn(env, q, range.from);
  }
}
