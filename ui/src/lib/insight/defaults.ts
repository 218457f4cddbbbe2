import type { Kind, Query } from '$lib/query/types';

/** A sensible first query of each kind, so switching kind shows something at once. */
export function defaultQuery(kind: Kind, events: string[], from = '-30d'): Query {
  const a = events[0] ?? '$pageview';
  const b = events[1] ?? a;
  switch (kind) {
    case 'trends':
      return { kind, series: [{ event: a, math: 'total' }], interval: 'day', dateFrom: from };
    case 'funnel':
      return { kind, steps: [{ event: a }, { event: b }], window: { value: 14, unit: 'day' }, order: 'ordered', dateFrom: from };
    case 'retention':
      return { kind, startEvent: { event: a }, returnEvent: { event: a }, period: 'day', periods: 7, retentionType: 'first_time', dateFrom: from };
    case 'paths':
      return { kind, startEvent: a, depth: 4, edgeLimit: 30, dateFrom: from };
    case 'stickiness':
      return { kind, event: a, interval: 'day', dateFrom: from };
    case 'lifecycle':
      return { kind, event: a, interval: 'day', dateFrom: from };
    case 'churn_risk':
      return { kind, windowDays: 28, limit: 50 };
    case 'events':
      return { kind, dateFrom: from, limit: 100 };
    case 'persons':
      return { kind, dateFrom: from, limit: 100 };
    case 'top_events':
      return { kind, dateFrom: from, limit: 10 };
  }
}

export const builderKinds: Kind[] = ['trends', 'funnel', 'retention', 'paths', 'stickiness', 'lifecycle', 'churn_risk', 'top_events'];
