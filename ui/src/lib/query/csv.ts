import type { Result } from './types';

const cell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const lines = (rows: unknown[][]) => rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';

/** One CSV per answer, the same numbers the chart shows. */
export function toCsv(r: Result): string {
  switch (r.kind) {
    case 'trends':
      return lines([
        ['series', 'breakdown', 'period', 'total', ...r.buckets],
        ...r.series.map((s) => [s.label, s.breakdownValue ?? '', s.period, s.total, ...s.values]),
      ]);
    case 'funnel':
      return lines([
        ['breakdown', 'step', 'event', 'count', 'conversion_from_first', 'conversion_from_previous', 'median_seconds', 'average_seconds', 'dropped_off'],
        ...r.breakdowns.flatMap((b) =>
          b.steps.map((s) => [b.breakdownValue ?? '', s.index + 1, s.event, s.count, s.conversionFromFirst, s.conversionFromPrevious, s.medianTimeToConvertSeconds, s.averageTimeToConvertSeconds, s.droppedOff.total]),
        ),
      ]);
    case 'retention': {
      const n = Math.max(0, ...r.cohorts.map((c) => c.values.length));
      return lines([['cohort', 'size', ...Array.from({ length: n }, (_, i) => `${r.period} ${i}`)], ...r.cohorts.map((c) => [c.start, c.size, ...c.values])]);
    }
    case 'paths':
      return lines([['source', 'target', 'people'], ...r.edges.map((e) => [e.source, e.target, e.value])]);
    case 'stickiness':
      return lines([[`${r.interval}s active`, 'people'], ...r.days.map((d, i) => [d, r.values[i]])]);
    case 'lifecycle':
      return lines([['bucket', 'new', 'returning', 'resurrecting', 'dormant'], ...r.buckets.map((b, i) => [b, r.new[i], r.returning[i], r.resurrecting[i], r.dormant[i]])]);
    case 'events':
      return lines([['timestamp', 'event', 'distinct_id', 'person_id', 'properties'], ...r.rows.map((e) => [e.timestamp, e.event, e.distinctId, e.personId, e.properties])]);
    case 'persons':
      return lines([['person_id', 'distinct_ids', 'first_seen', 'last_seen', 'events', 'properties'], ...r.rows.map((p) => [p.id, p.distinctIds.join(' '), p.firstSeen, p.lastSeen, p.eventCount, p.properties])]);
    case 'churn_risk':
      return lines([
        ['id', 'score', 'days_since_last_seen', 'active_days_recent', 'active_days_previous', 'events_recent', 'events_previous', 'reasons'],
        ...r.rows.map((c) => [c.id, c.score, c.daysSinceLastSeen, c.activeDaysRecent, c.activeDaysPrevious, c.eventsRecent, c.eventsPrevious, c.reasons.join('; ')]),
      ]);
    case 'top_events':
      return lines([['event', 'count', 'last_seen'], ...r.rows.map((e) => [e.event, e.count, e.lastSeen])]);
  }
}

export function download(name: string, content: Blob | string, type = 'text/csv;charset=utf-8') {
  const blob = typeof content === 'string' ? new Blob([content], { type }) : content;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export const fileName = (name: string, ext: string) => `${name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'insight'}.${ext}`;
