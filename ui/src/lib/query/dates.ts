/**
 * Date ranges as the builder and dashboards keep them: relative (`-30d`, `-12w`, `-6m`,
 * `-24h`) or ISO dates. Relative values are resolved to date-only strings against today in
 * the project's time zone right before a query runs, so a saved insight always shows "the
 * last 30 days" and two runs on the same day ask the query API the same question.
 */
const RELATIVE = /^-(\d{1,4})([hdwmy])$/;

export const presets = [
  { value: '-1d', label: 'Yesterday and today' },
  { value: '-7d', label: 'Last 7 days' },
  { value: '-14d', label: 'Last 14 days' },
  { value: '-30d', label: 'Last 30 days' },
  { value: '-90d', label: 'Last 90 days' },
  { value: '-6m', label: 'Last 6 months' },
  { value: '-12m', label: 'Last 12 months' },
];

export const isRelative = (v: string | undefined) => !!v && RELATIVE.test(v);

/** Today's date (YYYY-MM-DD) in a time zone. */
export function today(tz: string, now = new Date()): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

function shift(date: string, n: number, unit: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  if (unit === 'd' || unit === 'h') t.setUTCDate(t.getUTCDate() - (unit === 'h' ? Math.ceil(n / 24) : n));
  if (unit === 'w') t.setUTCDate(t.getUTCDate() - 7 * n);
  if (unit === 'm') t.setUTCMonth(t.getUTCMonth() - n);
  if (unit === 'y') t.setUTCFullYear(t.getUTCFullYear() - n);
  return t.toISOString().slice(0, 10);
}

export function resolveDate(value: string | undefined, tz: string, now = new Date()): string | undefined {
  if (!value) return value;
  const m = RELATIVE.exec(value);
  if (!m) return value;
  return shift(today(tz, now), Number(m[1]), m[2]!);
}

/** A query with relative dates replaced by dates, and dashboard-wide overrides applied. */
export function resolveQuery<Q extends { kind: string; dateFrom?: string; dateTo?: string; filters?: unknown[] }>(
  query: Q,
  tz: string,
  overrides: { dateFrom?: string; dateTo?: string; filters?: unknown[] } = {},
  now = new Date(),
): Q {
  const out: Q = JSON.parse(JSON.stringify(query));
  const from = overrides.dateFrom ?? query.dateFrom;
  const to = overrides.dateFrom ? overrides.dateTo : (overrides.dateTo ?? query.dateTo);
  if (from !== undefined) out.dateFrom = resolveDate(from, tz, now);
  if (to) out.dateTo = resolveDate(to, tz, now);
  else delete out.dateTo;
  if (overrides.filters?.length) out.filters = [...(query.filters ?? []), ...overrides.filters];
  return out;
}

export function describeRange(from: string | undefined, to: string | undefined): string {
  const p = presets.find((x) => x.value === from);
  if (p && !to) return p.label;
  if (!from) return 'All time';
  return `${from} → ${to ?? 'today'}`;
}

/** Days covered by a range, for routes that take a window in days. */
export function daysBetween(from: string, to: string | undefined, tz: string): number {
  const end = to ?? today(tz);
  const ms = Date.parse(`${end}T00:00:00Z`) - Date.parse(`${from.slice(0, 10)}T00:00:00Z`);
  return Math.max(1, Math.round(ms / 86_400_000) + 1);
}
