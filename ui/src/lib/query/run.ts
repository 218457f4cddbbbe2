import { request } from '$lib/api';
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
    const rows = await request<TopEventsResult['rows']>('GET', `/projects/${projectId}/event-names?days=${days}&limit=${query.limit ?? 10}`);
    return { kind: 'top_events', rows };
  }
  return request<Result>('POST', `/projects/${projectId}/query`, { query: queryBody(query, tz, overrides), refresh });
}
