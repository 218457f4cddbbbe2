import { describe, expect, it } from 'vitest';
import { querySchema, type Query } from './definitions.js';
import { planQuery } from './plan-query.js';
import type { CompileEnv } from './sql.js';

/**
 * The compilers are pure and put every user value in a parameter: a hostile string in any
 * event name, property name or value never appears in the SQL text. (Their answers are checked
 * against the real engine in tests/query.)
 */
const EVIL = "x'); DROP TABLE events; --";
const COHORT = '4b1c9f5e-2b7a-4c1d-9f0e-1a2b3c4d5e6f';
const env: CompileEnv = {
  database: 'cairn',
  projectId: '6f1e1f3e-1111-4111-8111-111111111111',
  timezone: 'Europe/Berlin',
  cohorts: new Map([[COHORT, { type: 'behavioral', event: EVIL, filters: [{ type: 'event', key: EVIL, operator: 'eq', value: EVIL }], minCount: 2, days: 30 }]]),
  nowWall: '2026-11-22 10:00:00.000000',
};
const range = { from: '2026-10-01 00:00:00.000000', to: '2026-10-08 00:00:00.000000' };
const f = [
  { type: 'event', key: EVIL, operator: 'eq', value: EVIL },
  { type: 'person', key: EVIL, operator: 'in', value: [EVIL, 'b'] },
  { type: 'event', key: EVIL, operator: 'regex', value: EVIL },
  { type: 'cohort', cohortId: COHORT },
];
const base = { dateFrom: '2026-10-01', dateTo: '2026-10-07', filters: f };
const queries: unknown[] = [
  { kind: 'trends', series: [{ event: EVIL, math: 'p90', property: EVIL, filters: f }, { event: EVIL, math: 'wau' }], breakdown: { type: 'person', key: EVIL }, compare: true, formula: 'A/B', ...base },
  { kind: 'funnel', steps: [{ event: EVIL, filters: f }, { event: EVIL }], exclusions: [{ event: EVIL, fromStep: 0, toStep: 1 }], breakdown: { type: 'event', key: EVIL }, ...base },
  { kind: 'funnel', order: 'any', steps: [{ event: EVIL }, { event: EVIL }], ...base },
  { kind: 'retention', startEvent: { event: EVIL, filters: f }, returnEvent: { event: EVIL }, retentionType: 'first_time', ...base },
  { kind: 'paths', startEvent: EVIL, includeEvents: [EVIL], ...base },
  { kind: 'stickiness', event: EVIL, eventFilters: f, ...base },
  { kind: 'lifecycle', event: EVIL, ...base },
  { kind: 'events', events: [EVIL], ...base },
  { kind: 'persons', events: [EVIL], ...base },
  { kind: 'churn_risk', events: [EVIL], groupBy: { type: 'event', key: EVIL }, filters: f },
];

describe('compilers', () => {
  for (const raw of queries) {
    const q = querySchema.parse(raw) as Query;
    it(`${q.kind}: no user value in the SQL text, every one in a parameter, scoped by project`, () => {
      const plan = planQuery(env, q, range);
      expect(plan.queries.length).toBeGreaterThan(0);
      for (const { sql, params } of plan.queries) {
        expect(sql).not.toContain('DROP');
        expect(sql).not.toContain(env.projectId);
        expect(Object.values(params)).toContain(env.projectId);
        expect(JSON.stringify(params)).toContain('DROP TABLE');
        expect(sql).toMatch(/project_id = \{p0:UUID\}/);
        for (const m of sql.matchAll(/\{(p\d+):/g)) expect(params).toHaveProperty(m[1]!);
      }
    });
    it(`${q.kind}: the same definition compiles to the same SQL`, () => {
      expect(planQuery(env, q, range).queries).toEqual(planQuery(env, q, range).queries);
    });
  }
});
