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

/** Definition → plan, by kind. Pure: same input, same SQL and parameters. */
export function planQuery(env: CompileEnv, q: Query, range: WallRange): Plan<QueryResult> {
  switch (q.kind) {
    case 'trends':
      return planTrends(env, q, range);
    case 'funnel':
      return planFunnel(env, q, range);
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
