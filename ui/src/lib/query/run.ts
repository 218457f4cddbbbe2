import { client, unwrap, unwrapList } from '$lib/api';
import { daysBetween, resolveDate, resolveQuery } from './dates';
import type { Query, Result, TopEventsResult } from './types';

export interface DashboardOverrides {
  dateFrom?: string;
  dateTo?: string;
  filters?: unknown[];
}

/** The exact body the UI sends to the query API for a saved or edited query. */
export function queryBody(query: Query, tz: string, overrides: DashboardOverrides = {}, now = new Date()) {
  return resolveQuery(query as Query & { dateFrom?: string }, tz, overrides, now);
}

/** Runs a query (or the top-events listing) and returns the answer. */
export async function runQuery(projectId: string, query: Query, tz: string, overrides: DashboardOverrides = {}, refresh = false): Promise<Result> {
  if (query.kind === 'top_events') {
    const from = resolveDate(overrides.dateFrom ?? query.dateFrom, tz) ?? '';
    const days = daysBetween(from, resolveDate(overrides.dateFrom ? overrides.dateTo : query.dateTo, tz), tz);
    const { items } = await unwrapList(
      client.GET('/api/v1/projects/{projectId}/event-names', { params: { path: { projectId }, query: { days, limit: query.limit ?? 10 } } }),
    );
    return { kind: 'top_events', rows: items as TopEventsResult['rows'] };
  }
  const body = { query: queryBody(query, tz, overrides), refresh } as never;
  return (await unwrap(client.POST('/api/v1/projects/{projectId}/query', { params: { path: { projectId } }, body }))) as Result;
}
