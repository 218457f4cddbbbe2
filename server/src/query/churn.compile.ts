import { isoWall, wallMs, wallOfMs } from './dates.js';
import type { ChurnQuery, ChurnResult } from './definitions.js';
import { num, type Plan } from './plan.js';
import { eventsSource, propertyColumn, propertyText, Scope, type CompileEnv } from './sql.js';

/**
 * Churn risk, transparent by construction. For everyone active in the last two windows
 * (each `windowDays` long, ending at `asOf`):
 *   recency    R = min(1, days since last seen / windowDays)
 *   trend      T = active days previous > 0 ? max(0, 1 - active days recent / active days previous) : 0
 *   engagement L = max(0, 1 - active days recent / (windowDays / 4))
 *   score      = 100 × (0.5 R + 0.3 T + 0.2 L), rounded to 0.1
 * The same formula, its inputs and the reasons derived from them are in the answer.
 */
export const CHURN_WEIGHTS = { recency: 0.5, trend: 0.3, engagement: 0.2 } as const;

export function churnReasons(r: {
  daysSinceLastSeen: number;
  activeDaysRecent: number;
  activeDaysPrevious: number;
  eventsRecent: number;
  eventsPrevious: number;
}, windowDays: number): string[] {
  const out: string[] = [];
  const days = Math.floor(r.daysSinceLastSeen);
  if (days >= 7) out.push(`last seen ${days} days ago`);
  if (r.activeDaysPrevious > 0 && r.activeDaysRecent < r.activeDaysPrevious) {
    const drop = Math.round((1 - r.activeDaysRecent / r.activeDaysPrevious) * 100);
    out.push(`activity down ${drop}% vs previous ${windowDays} days (${r.activeDaysRecent} vs ${r.activeDaysPrevious} active days)`);
  }
  if (r.activeDaysRecent < windowDays / 4) out.push(`active on ${r.activeDaysRecent} of the last ${windowDays} days`);
  if (r.eventsPrevious > 0 && r.eventsRecent < r.eventsPrevious / 2)
    out.push(`${r.eventsRecent} events in the last ${windowDays} days vs ${r.eventsPrevious} before`);
  if (!out.length) out.push('steady activity');
  return out;
}

export function planChurn(env: CompileEnv, q: ChurnQuery, asOfWall: string): Plan<ChurnResult> {
  const s = new Scope(env);
  const w = q.windowDays;
  const mid = wallOfMs(wallMs(asOfWall) - w * 86_400_000);
  const from = wallOfMs(wallMs(asOfWall) - 2 * w * 86_400_000);
  const needPerson = q.groupBy?.type === 'person';
  const src = eventsSource(s, { range: { from, to: asOfWall }, events: q.events, filters: q.filters, personProperties: needPerson });
  const id = q.groupBy ? propertyText(s, propertyColumn(q.groupBy.type), q.groupBy.key) : 'toString(person_id)';
  const midAt = s.wall(mid);
  const asOf = s.wall(asOfWall);
  const W = s.p.add(w, 'Float64');
  const sql = `SELECT id, days_since, ad_recent, ad_prev, ev_recent, ev_prev,
      round(100 * (${CHURN_WEIGHTS.recency} * least(1, days_since / ${W})
        + ${CHURN_WEIGHTS.trend} * if(ad_prev > 0, greatest(0, 1 - ad_recent / ad_prev), 0)
        + ${CHURN_WEIGHTS.engagement} * greatest(0, 1 - ad_recent / (${W} / 4))), 1) AS score,
      count() OVER () AS total
    FROM (
      SELECT ${id} AS id,
        (toUnixTimestamp64Micro(${asOf}) - toUnixTimestamp64Micro(max(timestamp))) / 86400e6 AS days_since,
        uniqExactIf(toDate(${s.local()}), timestamp >= ${midAt}) AS ad_recent,
        uniqExactIf(toDate(${s.local()}), timestamp < ${midAt}) AS ad_prev,
        countIf(timestamp >= ${midAt}) AS ev_recent,
        countIf(timestamp < ${midAt}) AS ev_prev
      FROM ${src} ${q.groupBy ? `WHERE ${id} != ''` : ''}
      GROUP BY id
    )
    WHERE score >= ${s.p.add(q.minScore, 'Float64')}
    ORDER BY score DESC, id
    LIMIT ${s.p.add(q.limit, 'UInt32')} OFFSET ${s.p.add(q.offset, 'UInt32')}`;
  return {
    queries: [s.done(sql)],
    shape([rows]) {
      return {
        kind: 'churn_risk',
        asOf: isoWall(asOfWall),
        total: num(rows![0]?.total),
        rows: rows!.map((r) => {
          const f = {
            daysSinceLastSeen: Math.round(num(r.days_since) * 100) / 100,
            activeDaysRecent: num(r.ad_recent),
            activeDaysPrevious: num(r.ad_prev),
            eventsRecent: num(r.ev_recent),
            eventsPrevious: num(r.ev_prev),
          };
          return { id: String(r.id), score: num(r.score), ...f, reasons: churnReasons(f, w) };
        }),
      };
    },
  };
}
