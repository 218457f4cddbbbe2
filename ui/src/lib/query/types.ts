/**
 * Query definitions and answers of POST /api/v1/projects/{projectId}/query, as the UI uses
 * them. The server's zod schemas (server/src/query/definitions.ts) are the contract; these
 * mirror the parts the builder edits and the charts read.
 */
export type Kind = 'trends' | 'funnel' | 'retention' | 'paths' | 'stickiness' | 'lifecycle' | 'churn_risk' | 'events' | 'persons' | 'top_events';

export type Operator = 'eq' | 'neq' | 'contains' | 'not_contains' | 'regex' | 'gt' | 'lt' | 'is_set' | 'is_not_set' | 'in';
export interface PropertyFilter { type: 'event' | 'person'; key: string; operator: Operator; value?: string | number | boolean | Array<string | number | boolean> }
export interface CohortFilter { type: 'cohort'; cohortId: string; operator: 'in' | 'not_in' }
export type Filter = PropertyFilter | CohortFilter;
export interface Breakdown { type: 'event' | 'person'; key: string; limit?: number }

export type Math = 'total' | 'unique_users' | 'dau' | 'wau' | 'mau' | 'sum' | 'avg' | 'min' | 'max' | 'p50' | 'p90' | 'p99';
export interface Series { event: string; math: Math; property?: string; filters?: Filter[]; name?: string }
export interface Step { event: string; filters?: Filter[] }
export type Interval = 'hour' | 'day' | 'week' | 'month';

interface Range { dateFrom: string; dateTo?: string; filters?: Filter[] }
export interface TrendsQuery extends Range { kind: 'trends'; series: Series[]; interval: Interval; breakdown?: Breakdown; compare?: boolean; formula?: string }
export interface FunnelQuery extends Range {
  kind: 'funnel';
  steps: Step[];
  window?: { value: number; unit: 'minute' | 'hour' | 'day' | 'week' };
  order?: 'ordered' | 'strict' | 'any';
  breakdown?: Breakdown;
  droppedOff?: { limit: number; offset: number };
}
export interface RetentionQuery extends Range { kind: 'retention'; startEvent: Step; returnEvent: Step; period: 'day' | 'week' | 'month'; periods: number; retentionType?: 'first_time' | 'recurring' }
export interface PathsQuery extends Range { kind: 'paths'; startEvent?: string; endEvent?: string; depth?: number; edgeLimit?: number }
export interface StickinessQuery extends Range { kind: 'stickiness'; event: string; interval: 'day' | 'week' | 'month' }
export interface LifecycleQuery extends Range { kind: 'lifecycle'; event: string; interval: 'day' | 'week' | 'month' }
export interface ChurnQuery { kind: 'churn_risk'; windowDays?: number; events?: string[]; filters?: Filter[]; limit?: number; offset?: number; dateFrom?: string; dateTo?: string }
export interface EventsQuery extends Range { kind: 'events'; events?: string[]; orderBy?: 'timestamp' | '-timestamp'; limit?: number; offset?: number }
export interface PersonsQuery extends Range { kind: 'persons'; events?: string[]; orderBy?: string; limit?: number; offset?: number }
export interface TopEventsQuery { kind: 'top_events'; dateFrom: string; dateTo?: string; limit?: number }

export type Query = TrendsQuery | FunnelQuery | RetentionQuery | PathsQuery | StickinessQuery | LifecycleQuery | ChurnQuery | EventsQuery | PersonsQuery | TopEventsQuery;

export interface TrendsResult {
  kind: 'trends';
  buckets: string[];
  series: Array<{ label: string; seriesIndex: number; math: string; breakdownValue: string | null; period: 'current' | 'previous'; buckets: string[]; values: number[]; total: number }>;
}
export interface FunnelStep {
  index: number;
  event: string;
  count: number;
  conversionFromFirst: number;
  conversionFromPrevious: number;
  medianTimeToConvertSeconds: number | null;
  averageTimeToConvertSeconds: number | null;
  droppedOff: { total: number; personIds: string[] };
}
export interface FunnelResult { kind: 'funnel'; breakdowns: Array<{ breakdownValue: string | null; steps: FunnelStep[] }> }
export interface RetentionResult { kind: 'retention'; period: string; cohorts: Array<{ start: string; size: number; values: number[] }> }
export interface PathsResult { kind: 'paths'; nodes: Array<{ id: string; step: number; event: string }>; edges: Array<{ source: string; target: string; value: number }> }
export interface StickinessResult { kind: 'stickiness'; interval: string; days: number[]; values: number[] }
export interface LifecycleResult { kind: 'lifecycle'; buckets: string[]; new: number[]; returning: number[]; resurrecting: number[]; dormant: number[] }
export interface EventRow { uuid: string; event: string; distinctId: string; personId: string; timestamp: string; properties: Record<string, unknown> }
export interface EventsResult { kind: 'events'; total: number; rows: EventRow[] }
export interface PersonRow { id: string; distinctIds: string[]; properties: Record<string, unknown>; firstSeen: string; lastSeen: string; eventCount: number }
export interface PersonsResult { kind: 'persons'; total: number; rows: PersonRow[] }
export interface ChurnRow { id: string; score: number; daysSinceLastSeen: number; activeDaysRecent: number; activeDaysPrevious: number; eventsRecent: number; eventsPrevious: number; reasons: string[] }
export interface ChurnResult { kind: 'churn_risk'; asOf: string; total: number; rows: ChurnRow[] }
export interface TopEventsResult { kind: 'top_events'; rows: Array<{ event: string; count: number; lastSeen: string }> }

export type Result = (
  | TrendsResult
  | FunnelResult
  | RetentionResult
  | PathsResult
  | StickinessResult
  | LifecycleResult
  | EventsResult
  | PersonsResult
  | ChurnResult
  | TopEventsResult
) & { timezone?: string; cache?: { hit: boolean; computedAt: string } };

export const kindLabels: Record<Kind, string> = {
  trends: 'Trends',
  funnel: 'Funnel',
  retention: 'Retention',
  paths: 'Paths',
  stickiness: 'Stickiness',
  lifecycle: 'Lifecycle',
  churn_risk: 'Churn risk',
  events: 'Events',
  persons: 'Persons',
  top_events: 'Top events',
};
