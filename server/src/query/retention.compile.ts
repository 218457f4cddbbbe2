import { addUnits, bucketStart, bucketStarts, isoWall, type WallRange } from './dates.js';
import type { Filter, RetentionQuery, RetentionResult } from './definitions.js';
import { periodIndexExpr, periodIndexOfWall } from './periods.js';
import { num, type Plan } from './plan.js';
import { eventsSource, filterExpr, Scope, type CompileEnv } from './sql.js';

export const EPOCH_WALL = '1970-01-01 00:00:00.000000';

/**
 * Cohorts are whole periods: the range is aligned down to its first period. A person is in the
 * cohort of every period they did startEvent (`recurring`) or of the period of their first
 * startEvent ever (`first_time`); values[k] counts those who did returnEvent k periods later.
 */
export function planRetention(env: CompileEnv, q: RetentionQuery, range: WallRange): Plan<RetentionResult> {
  const s = new Scope(env);
  const aligned: WallRange = { from: bucketStart(range.from, q.period), to: range.to };
  const cohorts = bucketStarts(aligned, q.period);
  const returnTo = addUnits(bucketStart(addUnits(range.to, q.period, q.periods), q.period), q.period, 1);
  const idx = periodIndexExpr(s, q.period);
  // One scan for both events: per person the start periods and the return periods, each
  // under its own event, time range and filters (no join of two grouped scans).
  const firstTime = q.retentionType === 'first_time';
  const startFrom = firstTime ? EPOCH_WALL : aligned.from;
  const stepFilters = [...q.startEvent.filters, ...q.returnEvent.filters];
  const src = eventsSource(s, {
    range: { from: startFrom, to: returnTo < aligned.to ? aligned.to : returnTo },
    events: [q.startEvent.event, q.returnEvent.event],
    filters: q.filters,
    personProperties: stepFilters.some((f) => f.type === 'person'),
  });
  const when = (event: string, from: string, to: string, filters: readonly Filter[]) =>
    [
      `event = ${s.p.add(event, 'String')}`,
      `timestamp >= ${s.wall(from)}`,
      `timestamp < ${s.wall(to)}`,
      ...filters.map((f) => filterExpr(s, f)),
    ].join(' AND ');
  const isStart = when(q.startEvent.event, startFrom, aligned.to, q.startEvent.filters);
  const isReturn = when(q.returnEvent.event, aligned.from, returnTo, q.returnEvent.filters);
  const starts = firstTime ? `if(countIf(${isStart}) > 0 AND minIf(timestamp, ${isStart}) >= ${s.wall(aligned.from)}, [minIf(${idx}, ${isStart})], [])` : `groupUniqArrayIf(${idx}, ${isStart})`;
  const N = s.p.add(q.periods, 'Int64');
  const sql = `SELECT c, k, count() AS people FROM (
      SELECT arrayJoin(sp) AS c, rp FROM (
        SELECT person_id, ${starts} AS sp, groupUniqArrayIf(${idx}, ${isReturn}) AS rp FROM ${src} GROUP BY person_id
      )
    )
    ARRAY JOIN arrayConcat([toInt64(0)], arrayFilter(x -> x >= 1 AND x <= ${N}, arrayMap(y -> y - c, rp))) AS k
    GROUP BY c, k`;
  return {
    queries: [s.done(sql)],
    shape([rows]) {
      const at = new Map<string, number>();
      for (const r of rows!) at.set(`${num(r.c)}:${num(r.k)}`, num(r.people));
      return {
        kind: 'retention',
        period: q.period,
        cohorts: cohorts.map((c) => {
          const i = periodIndexOfWall(c, q.period);
          const values = Array.from({ length: q.periods + 1 }, (_, k) => at.get(`${i}:${k}`) ?? 0);
          return { start: isoWall(c), size: values[0]!, values };
        }),
      };
    },
  };
}
