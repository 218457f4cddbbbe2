import { z } from 'zod';

/**
 * Query definitions: the API contract of POST /projects/:projectId/query and the saved form
 * of an insight. Pure data; `*.compile.ts` turns each kind into parameterised ClickHouse SQL.
 */

const WALL = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export const dateSchema = z
  .string()
  .refine((v) => WALL.test(v) || /^-\d{1,5}[hdwmy]$/.test(v), 'must be an ISO date (YYYY-MM-DD), a date-time, or relative like -30d')
  .describe(
    'ISO date or date-time (without an offset it is read in the project time zone; a date-only `dateTo` includes that whole day), or relative to now: `-24h`, `-30d`, `-4w`, `-3m`, `-1y` (days and longer start at midnight).',
  );

export const eventNameSchema = z.string().min(1).max(400).describe('Event name, e.g. `$pageview` or `signed_up`');
const propertyKey = z.string().min(1).max(400).describe('Property name');
const scalar = z.union([z.string().max(2000), z.number(), z.boolean()]);

export const propertyOperators = ['eq', 'neq', 'contains', 'not_contains', 'regex', 'gt', 'lt', 'is_set', 'is_not_set', 'in'] as const;

export const propertyFilterSchema = z
  .object({
    type: z.enum(['event', 'person']).describe('`event`: a property of the event; `person`: a property of the person who sent it'),
    key: propertyKey,
    operator: z
      .enum(propertyOperators)
      .describe(
        '`eq`/`neq` compare as text; `contains`/`not_contains` are case-insensitive; `regex` uses RE2 syntax; `gt`/`lt` compare numerically; `in` takes a list',
      ),
    value: z
      .union([scalar, z.array(scalar).min(1).max(1000)])
      .optional()
      .describe('Required except for is_set / is_not_set; a list for `in`'),
  })
  .superRefine((f, ctx) => {
    const needsValue = f.operator !== 'is_set' && f.operator !== 'is_not_set';
    if (needsValue && f.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: `operator ${f.operator} needs a value` });
    if (f.operator === 'in' && f.value !== undefined && !Array.isArray(f.value))
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'operator in needs a list' });
    if (f.operator !== 'in' && Array.isArray(f.value))
      ctx.addIssue({ code: 'custom', path: ['value'], message: `operator ${f.operator} takes one value, not a list` });
    if ((f.operator === 'gt' || f.operator === 'lt') && f.value !== undefined && !Number.isFinite(Number(f.value)))
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be a number' });
  });

export const cohortFilterSchema = z.object({
  type: z.literal('cohort'),
  cohortId: z.uuid().describe('A saved cohort of this project'),
  operator: z.enum(['in', 'not_in']).default('in'),
});

export const filterSchema = z.union([propertyFilterSchema, cohortFilterSchema]);
export const filtersSchema = z.array(filterSchema).max(50).default([]).describe('All must match (AND)');

export type PropertyFilter = z.output<typeof propertyFilterSchema>;
export type CohortFilter = z.output<typeof cohortFilterSchema>;
export type Filter = z.output<typeof filterSchema>;

const rangeFields = {
  dateFrom: dateSchema.describe('Start of the range (inclusive), in the project time zone unless an offset is given'),
  dateTo: dateSchema.optional().describe('End of the range; a date-only value includes the whole day. Default: today'),
  filters: filtersSchema.describe('Filters applied to every event of the query (AND)'),
};

export const propertyBreakdownSchema = z
  .object({
    type: z.enum(['event', 'person']),
    key: propertyKey,
    limit: z.number().int().min(1).max(25).default(10).describe('Top N values by volume; the rest are grouped as "other"'),
  })
  .describe('Split the results by a property value');

export const cohortBreakdownSchema = z
  .object({
    type: z.literal('cohort'),
    cohortIds: z.array(z.uuid()).min(1).max(10).describe('Saved cohorts of this project; one result per cohort (a person may be in several)'),
  })
  .describe('Split the results by cohort membership; breakdownValue is the cohort id');

export const breakdownSchema = z.union([propertyBreakdownSchema, cohortBreakdownSchema]);

const stepSchema = z.object({ event: eventNameSchema, filters: filtersSchema });

export const trendsMath = ['total', 'unique_users', 'dau', 'wau', 'mau', 'sum', 'avg', 'min', 'max', 'p50', 'p90', 'p99'] as const;
export type TrendsMath = (typeof trendsMath)[number];
export const propertyMath = new Set<TrendsMath>(['sum', 'avg', 'min', 'max', 'p50', 'p90', 'p99']);

export const trendsSeriesSchema = z
  .object({
    event: eventNameSchema,
    math: z
      .enum(trendsMath)
      .default('total')
      .describe(
        '`total`: events; `unique_users`: distinct people per bucket; `dau`/`wau`/`mau`: distinct people active in the 1/7/30 days ending with each bucket; sum..p99: of numeric `property`',
      ),
    property: propertyKey.optional().describe('Numeric event property for sum/avg/min/max/p50/p90/p99'),
    filters: filtersSchema,
    name: z.string().max(200).optional().describe('Display label; default: the event name'),
  })
  .superRefine((s, ctx) => {
    if (propertyMath.has(s.math) && !s.property) ctx.addIssue({ code: 'custom', path: ['property'], message: `math ${s.math} needs a property` });
  });

export const intervalSchema = z.enum(['hour', 'day', 'week', 'month']).describe('Bucket size; weeks start on Monday');
export type Interval = z.output<typeof intervalSchema>;

export const trendsQuerySchema = z
  .object({
    kind: z.literal('trends'),
    series: z.array(trendsSeriesSchema).min(1).max(20).describe('Series A, B, C… in order'),
    interval: intervalSchema.default('day'),
    ...rangeFields,
    breakdown: breakdownSchema.optional(),
    compare: z.boolean().default(false).describe('Also return the previous period of the same length'),
    formula: z
      .string()
      .max(200)
      .regex(/^[A-T0-9+\-*/(). ]+$/, 'may use series letters A–T, numbers, + - * / and parentheses')
      .optional()
      .describe('Arithmetic across series by letter, e.g. `A/B*100`; replaces the series in the answer'),
  })
  .superRefine((q, ctx) => {
    q.series.forEach((s, i) => {
      if (['dau', 'wau', 'mau'].includes(s.math) && q.interval === 'hour')
        ctx.addIssue({ code: 'custom', path: ['series', i, 'math'], message: `${s.math} needs interval day, week or month` });
    });
    if (q.formula) {
      const letters = q.formula.match(/[A-T]/g) ?? [];
      for (const l of letters)
        if (l.charCodeAt(0) - 65 >= q.series.length)
          ctx.addIssue({ code: 'custom', path: ['formula'], message: `series ${l} does not exist` });
    }
  });

export const funnelQuerySchema = z.object({
  kind: z.literal('funnel'),
  steps: z.array(stepSchema).min(2).max(20),
  window: z
    .object({ value: z.number().int().min(1).max(365 * 24), unit: z.enum(['minute', 'hour', 'day', 'week']) })
    .default({ value: 14, unit: 'day' })
    .describe('Time allowed from the first step to the last'),
  order: z
    .enum(['ordered', 'strict', 'any'])
    .default('ordered')
    .describe('`ordered`: steps in order, other events allowed between; `strict`: no other event between steps; `any`: steps in any order'),
  exclusions: z
    .array(
      z.object({
        event: eventNameSchema,
        filters: filtersSchema,
        fromStep: z.number().int().min(0).describe('0-based step after which the exclusion applies'),
        toStep: z.number().int().min(1).describe('0-based step before which it applies'),
      }),
    )
    .max(10)
    .default([])
    .describe('An exclusion event between fromStep and toStep breaks the attempt'),
  ...rangeFields,
  breakdown: breakdownSchema.optional().describe('Event breakdowns take the value of the first step event'),
  droppedOff: z
    .object({ limit: z.number().int().min(0).max(1000).default(100), offset: z.number().int().min(0).default(0) })
    .default({ limit: 100, offset: 0 })
    .describe('Page of the ids of people who reached the previous step but not this one'),
}).superRefine((q, ctx) => {
  if (q.order === 'any' && q.exclusions.length)
    ctx.addIssue({ code: 'custom', path: ['exclusions'], message: 'exclusions need order ordered or strict' });
  q.exclusions.forEach((e, i) => {
    if (e.toStep >= q.steps.length) ctx.addIssue({ code: 'custom', path: ['exclusions', i, 'toStep'], message: `must be below ${q.steps.length}` });
    if (e.fromStep >= e.toStep) ctx.addIssue({ code: 'custom', path: ['exclusions', i, 'fromStep'], message: 'must be below toStep' });
  });
});

export const retentionQuerySchema = z.object({
  kind: z.literal('retention'),
  startEvent: stepSchema.describe('What puts a person in a cohort'),
  returnEvent: stepSchema.describe('What counts as coming back'),
  period: z.enum(['day', 'week', 'month']).default('day'),
  periods: z.number().int().min(1).max(120).default(30).describe('How many periods after the cohort period to measure'),
  retentionType: z
    .enum(['first_time', 'recurring'])
    .default('recurring')
    .describe('`first_time`: cohort by the first time ever the person did startEvent; `recurring`: every period they did it'),
  ...rangeFields,
});

export const pathsQuerySchema = z
  .object({
    kind: z.literal('paths'),
    startEvent: eventNameSchema.optional().describe('Paths begin at the first occurrence of this event'),
    endEvent: eventNameSchema.optional().describe('Paths end at the first occurrence of this event'),
    depth: z.number().int().min(2).max(20).default(5).describe('Events per path (nodes)'),
    edgeLimit: z.number().int().min(1).max(500).default(50).describe('Top N edges by people'),
    includeEvents: z.array(eventNameSchema).max(100).optional().describe('Only these events take part in paths'),
    ...rangeFields,
  })
  .superRefine((q, ctx) => {
    if (q.startEvent && q.endEvent) ctx.addIssue({ code: 'custom', path: ['endEvent'], message: 'give startEvent or endEvent, not both' });
  });

export const stickinessQuerySchema = z.object({
  kind: z.literal('stickiness'),
  event: eventNameSchema,
  eventFilters: filtersSchema.describe('Filters on the counted event'),
  interval: z.enum(['day', 'week', 'month']).default('day'),
  ...rangeFields,
});

export const lifecycleQuerySchema = z.object({
  kind: z.literal('lifecycle'),
  event: eventNameSchema,
  eventFilters: filtersSchema,
  interval: z.enum(['day', 'week', 'month']).default('day'),
  ...rangeFields,
});

export const eventsQuerySchema = z.object({
  kind: z.literal('events'),
  events: z.array(eventNameSchema).max(50).optional().describe('Only these events'),
  ...rangeFields,
  orderBy: z.enum(['timestamp', '-timestamp']).default('-timestamp'),
  limit: z.number().int().min(1).max(1000).default(100),
  offset: z.number().int().min(0).max(1_000_000).default(0),
});

export const personsQuerySchema = z.object({
  kind: z.literal('persons'),
  ...rangeFields,
  events: z.array(eventNameSchema).max(50).optional().describe('Only people who did one of these events in the range'),
  orderBy: z.enum(['lastSeen', '-lastSeen', 'firstSeen', '-firstSeen', 'eventCount', '-eventCount']).default('-lastSeen'),
  limit: z.number().int().min(1).max(1000).default(100),
  offset: z.number().int().min(0).max(1_000_000).default(0),
});

export const churnQuerySchema = z.object({
  kind: z.literal('churn_risk'),
  asOf: dateSchema.optional().describe('Score as of this moment (default now)'),
  windowDays: z.number().int().min(7).max(180).default(28).describe('Length of the recent and the previous window compared'),
  events: z.array(eventNameSchema).max(50).optional().describe('Activity = these events (default: all)'),
  filters: filtersSchema,
  groupBy: z
    .object({ type: z.enum(['event', 'person']), key: propertyKey })
    .optional()
    .describe('Score organizations (a group property) instead of people'),
  minScore: z.number().min(0).max(100).default(0),
  limit: z.number().int().min(1).max(1000).default(100),
  offset: z.number().int().min(0).default(0),
});

export const querySchema = z
  .discriminatedUnion('kind', [
    trendsQuerySchema,
    funnelQuerySchema,
    retentionQuerySchema,
    pathsQuerySchema,
    stickinessQuerySchema,
    lifecycleQuerySchema,
    eventsQuerySchema,
    personsQuerySchema,
    churnQuerySchema,
  ])
  .describe('What to compute; `kind` picks the analysis');

export const queryRequestSchema = z.object({
  query: querySchema,
  refresh: z.boolean().default(false).describe('Bypass the cache and recompute'),
});

export type Query = z.output<typeof querySchema>;
export type TrendsQuery = z.output<typeof trendsQuerySchema>;
export type FunnelQuery = z.output<typeof funnelQuerySchema>;
export type RetentionQuery = z.output<typeof retentionQuerySchema>;
export type PathsQuery = z.output<typeof pathsQuerySchema>;
export type StickinessQuery = z.output<typeof stickinessQuerySchema>;
export type LifecycleQuery = z.output<typeof lifecycleQuerySchema>;
export type EventsQuery = z.output<typeof eventsQuerySchema>;
export type PersonsQuery = z.output<typeof personsQuerySchema>;
export type ChurnQuery = z.output<typeof churnQuerySchema>;
export type Breakdown = z.output<typeof propertyBreakdownSchema>;

/** The property breakdown of a definition; cohort breakdowns are expanded before compiling (plan-query.ts). */
export function propertyBreakdownOf(b: z.output<typeof breakdownSchema> | undefined): Breakdown | undefined {
  if (b?.type === 'cohort') throw new Error('cohort breakdowns are expanded by planQuery');
  return b;
}

/* ---------------------------------------------------------------- answers */

const bucketsSchema = z.array(z.string()).describe('Bucket starts, wall time in the project time zone (YYYY-MM-DDTHH:mm:ss)');

export const trendsResultSchema = z.object({
  kind: z.literal('trends'),
  buckets: bucketsSchema,
  series: z.array(
    z.object({
      label: z.string(),
      seriesIndex: z.number().int().describe('Index of the series in the definition; -1 for a formula'),
      math: z.string(),
      breakdownValue: z.string().nullable().describe('null without breakdown or for an unset property; "$other" for the rest'),
      period: z.enum(['current', 'previous']),
      buckets: bucketsSchema,
      values: z.array(z.number()),
      total: z.number().describe('For unique-user math: distinct people over the whole range, not the sum of buckets'),
    }),
  ),
});

const personRef = z.string().describe('Person id (UUID)');

export const funnelResultSchema = z.object({
  kind: z.literal('funnel'),
  breakdowns: z.array(
    z.object({
      breakdownValue: z.string().nullable(),
      steps: z.array(
        z.object({
          index: z.number().int(),
          event: z.string(),
          count: z.number().int(),
          conversionFromFirst: z.number().describe('0–1'),
          conversionFromPrevious: z.number().describe('0–1'),
          medianTimeToConvertSeconds: z.number().nullable().describe('From the previous step; null for step 0 and for `any` order'),
          averageTimeToConvertSeconds: z.number().nullable(),
          droppedOff: z.object({ total: z.number().int(), personIds: z.array(personRef) }),
        }),
      ),
    }),
  ),
});

export const retentionResultSchema = z.object({
  kind: z.literal('retention'),
  period: z.enum(['day', 'week', 'month']),
  cohorts: z.array(
    z.object({
      start: z.string().describe('Cohort period start, wall time in the project time zone'),
      size: z.number().int(),
      values: z.array(z.number().int()).describe('values[0] = size; values[k] = people of the cohort who returned in period k'),
    }),
  ),
});

export const pathsResultSchema = z.object({
  kind: z.literal('paths'),
  nodes: z.array(z.object({ id: z.string(), step: z.number().int(), event: z.string() })),
  edges: z.array(z.object({ source: z.string(), target: z.string(), value: z.number().int().describe('People') })),
});

export const stickinessResultSchema = z.object({
  kind: z.literal('stickiness'),
  interval: z.string(),
  days: z.array(z.number().int()).describe('1..N intervals active'),
  values: z.array(z.number().int()).describe('People active in exactly days[i] intervals of the range'),
});

export const lifecycleResultSchema = z.object({
  kind: z.literal('lifecycle'),
  buckets: bucketsSchema,
  new: z.array(z.number().int()),
  returning: z.array(z.number().int()),
  resurrecting: z.array(z.number().int()),
  dormant: z.array(z.number().int()).describe('Negative: people active in the previous bucket but not this one'),
});

export const eventsResultSchema = z.object({
  kind: z.literal('events'),
  total: z.number().int(),
  rows: z.array(
    z.object({
      uuid: z.string(),
      event: z.string(),
      distinctId: z.string(),
      personId: z.string(),
      timestamp: z.string().describe('ISO 8601 UTC'),
      properties: z.record(z.string(), z.unknown()),
    }),
  ),
});

export const personsResultSchema = z.object({
  kind: z.literal('persons'),
  total: z.number().int(),
  rows: z.array(
    z.object({
      id: z.string(),
      distinctIds: z.array(z.string()),
      properties: z.record(z.string(), z.unknown()),
      firstSeen: z.string(),
      lastSeen: z.string(),
      eventCount: z.number().int(),
    }),
  ),
});

export const churnResultSchema = z.object({
  kind: z.literal('churn_risk'),
  asOf: z.string(),
  total: z.number().int().describe('Entities scored (active in the last two windows)'),
  rows: z.array(
    z.object({
      id: z.string().describe('Person id, or the group property value'),
      score: z.number().describe('0 (safe) – 100 (gone)'),
      daysSinceLastSeen: z.number(),
      activeDaysRecent: z.number().int(),
      activeDaysPrevious: z.number().int(),
      eventsRecent: z.number().int(),
      eventsPrevious: z.number().int(),
      reasons: z.array(z.string()),
    }),
  ),
});

export const queryResultSchema = z
  .discriminatedUnion('kind', [
    trendsResultSchema,
    funnelResultSchema,
    retentionResultSchema,
    pathsResultSchema,
    stickinessResultSchema,
    lifecycleResultSchema,
    eventsResultSchema,
    personsResultSchema,
    churnResultSchema,
  ])
  .and(
    z.object({
      timezone: z.string().describe('The project time zone the answer is expressed in'),
      cache: z.object({ hit: z.boolean(), computedAt: z.string() }),
    }),
  );

export type TrendsResult = z.output<typeof trendsResultSchema>;
export type FunnelResult = z.output<typeof funnelResultSchema>;
export type RetentionResult = z.output<typeof retentionResultSchema>;
export type PathsResult = z.output<typeof pathsResultSchema>;
export type StickinessResult = z.output<typeof stickinessResultSchema>;
export type LifecycleResult = z.output<typeof lifecycleResultSchema>;
export type EventsResult = z.output<typeof eventsResultSchema>;
export type PersonsResult = z.output<typeof personsResultSchema>;
export type ChurnResult = z.output<typeof churnResultSchema>;
export type QueryResult =
  | TrendsResult
  | FunnelResult
  | RetentionResult
  | PathsResult
  | StickinessResult
  | LifecycleResult
  | EventsResult
  | PersonsResult
  | ChurnResult;
