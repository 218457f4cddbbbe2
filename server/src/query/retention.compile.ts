import { addUnits, bucketStart, bucketStarts, isoWall, type WallRange } from './dates.js';
import type { RetentionQuery, RetentionResult } from './definitions.js';
import { periodIndexExpr, periodIndexOfWall } from './periods.js';
import { num, type Plan } from './plan.js';
import { eventsSource, Scope, type CompileEnv } from './sql.js';

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
  const startSrc = (r: WallRange) => eventsSource(s, { range: r, events: [q.startEvent.event], filters: [...q.filters, ...q.startEvent.filters] });
  const starts =
    q.retentionType === 'recurring'
      ? `SELECT person_id, groupUniqArray(${idx}) AS sp FROM ${startSrc(aligned)} GROUP BY person_id`
      : `SELECT person_id, [min(${idx})] AS sp FROM ${startSrc({ from: EPOCH_WALL, to: aligned.to })} GROUP BY person_id
         HAVING min(timestamp) >= ${s.wall(aligned.from)}`;
  const returns = `SELECT person_id, groupUniqArray(${idx}) AS rp
    FROM ${eventsSource(s, { range: { from: aligned.from, to: returnTo }, events: [q.returnEvent.event], filters: [...q.filters, ...q.returnEvent.filters] })}
    GROUP BY person_id`;
  const N = s.p.add(q.periods, 'Int64');
  const sql = `SELECT c, k, count() AS people FROM (
      SELECT st.person_id, arrayJoin(st.sp) AS c, rt.rp AS rp FROM (${starts}) AS st LEFT JOIN (${returns}) AS rt ON rt.person_id = st.person_id
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
