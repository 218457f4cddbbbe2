import { addUnits, bucketStarts, isoWall, type WallRange } from './dates.js';
import type { LifecycleQuery, LifecycleResult } from './definitions.js';
import { periodIndexExpr, periodIndexOfWall } from './periods.js';
import { num, type Plan } from './plan.js';
import { EPOCH_WALL } from './retention.compile.js';
import { eventsSource, Scope, type CompileEnv } from './sql.js';

/**
 * Per bucket, people who did the event: `new` (first time ever in this bucket), `returning`
 * (also active the bucket before), `resurrecting` (active before, but not the bucket before);
 * `dormant` (negative): active the bucket before but not in this one.
 */
export function planLifecycle(env: CompileEnv, q: LifecycleQuery, range: WallRange): Plan<LifecycleResult> {
  const s = new Scope(env);
  const buckets = bucketStarts(range, q.interval);
  const first = periodIndexOfWall(buckets[0]!, q.interval);
  const last = periodIndexOfWall(buckets[buckets.length - 1]!, q.interval);
  const idx = periodIndexExpr(s, q.interval);
  const filters = [...q.filters, ...q.eventFilters];
  const active = eventsSource(s, { range: { from: addUnits(buckets[0]!, q.interval, -1), to: range.to }, events: [q.event], filters });
  const ever = eventsSource(s, { range: { from: EPOCH_WALL, to: range.to }, events: [q.event], filters });
  const I0 = s.p.add(first, 'Int64');
  const I1 = s.p.add(last, 'Int64');
  const sql = `SELECT st.1 AS b, st.2 AS status, count() AS people FROM (
      SELECT a.act AS act, f.first AS first FROM (SELECT person_id, groupUniqArray(${idx}) AS act FROM ${active} GROUP BY person_id) AS a
      INNER JOIN (SELECT person_id, min(${idx}) AS first FROM ${ever} GROUP BY person_id) AS f ON f.person_id = a.person_id
    )
    ARRAY JOIN arrayConcat(
      arrayMap(x -> (x, if(x = first, 'new', if(has(act, x - 1), 'returning', 'resurrecting'))), arrayFilter(x -> x >= ${I0} AND x <= ${I1}, act)),
      arrayMap(x -> (x + 1, 'dormant'), arrayFilter(x -> x + 1 >= ${I0} AND x + 1 <= ${I1} AND NOT has(act, x + 1), act))
    ) AS st
    GROUP BY b, status`;
  return {
    queries: [s.done(sql)],
    shape([rows]) {
      const at = new Map(rows!.map((r) => [`${num(r.b)}:${r.status}`, num(r.people)]));
      const series = (status: string, sign = 1) =>
        buckets.map((b) => sign * (at.get(`${periodIndexOfWall(b, q.interval)}:${status}`) ?? 0));
      return {
        kind: 'lifecycle',
        buckets: buckets.map(isoWall),
        new: series('new'),
        returning: series('returning'),
        resurrecting: series('resurrecting'),
        dormant: series('dormant', -1).map((v) => (v === 0 ? 0 : v)),
      };
    },
  };
}
