import { describe, expect, it } from 'vitest';
import { querySchema } from '../query/definitions.js';
import { createInsightBody } from '../insights/insights.schema.js';
import { defaultInsights } from './default-dashboard.js';

describe('the default "Product overview" insights', () => {
  it('are valid saved insights', () => {
    for (const i of defaultInsights) expect(createInsightBody.safeParse(i).success, i.name).toBe(true);
  });

  it("hold query definitions the query engine accepts once their relative dates are resolved", () => {
    for (const { query, name } of defaultInsights) {
      if (query.kind === 'top_events') continue; // served by /event-names, not the query engine
      const resolved = { ...query, dateFrom: '2026-01-01' };
      const r = querySchema.safeParse(resolved);
      expect(r.success, `${name}: ${JSON.stringify(r.error?.issues)}`).toBe(true);
    }
  });

  it('are active users, top events, signup → activation and weekly retention', () => {
    expect(defaultInsights.map((i) => [i.name, i.query.kind])).toEqual([
      ['Active users', 'trends'],
      ['Top events', 'top_events'],
      ['Signup → activation', 'funnel'],
      ['Weekly retention', 'retention'],
    ]);
  });
});
