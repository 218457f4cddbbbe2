import type { WallRange } from './dates.js';
import { propertyBreakdownOf, type FunnelQuery, type FunnelResult } from './definitions.js';
import { num, type Plan } from './plan.js';
import { eventsSource, filterExpr, propertyColumn, propertyText, Scope, type CompileEnv } from './sql.js';
import { OTHER } from './trends.compile.js';

/** Microseconds since 1970 plus 2^62 is positive for any DateTime64 (from 1900). */
const T_OFFSET = '4611686018427387904';
const TWO_64 = "toUInt128('18446744073709551616')";
const WINDOW_US = { minute: 60e6, hour: 3600e6, day: 86400e6, week: 7 * 86400e6 } as const;

/**
 * Ordered and strict funnels: per person, over their events in time order, the chains of a
 * greedy pass (one state per level i: the chain that has reached level i and may go on, as its
 * first-step time and last-step time):
 * - an event matching step i extends the level-(i-1) chain when it is within the window of that
 *   chain's first step (inclusive); later chains replace earlier ones (a later start leaves more
 *   window), so the pass finds each person's highest level;
 * - `strict` clears every chain an event does not extend; an exclusion event clears the chains
 *   between its fromStep and toStep;
 * - times to convert come from the most recent attempt that reached each step.
 * Every level's state only depends on the state of the level below before the same event, so
 * instead of folding a tuple of all levels event by event (arrayFold: one lambda call per event)
 * the state of each level is computed for all events at once, level by level, with vectorised
 * array functions: the chain start before each event is a forward fill (`arrayFill`) of
 * "extended here → start / cleared here → -1 / unchanged". (ClickHouse substitutes aliases
 * into the expressions that use them, so a pre-filtered input array would be recomputed by
 * every level: 2× slower than passing all the person's events.)
 */
function vectorFunnel(s: Scope, q: FunnelQuery, W: string): string {
  const n = q.steps.length;
  const clear = (i: number) =>
    q.order === 'strict'
      ? 'true'
      : q.exclusions.flatMap((e, j) => (e.fromStep + 1 <= i && i <= e.toStep ? [`bitTest(m, ${n + j})`] : [])).join(' OR ') || 'false';
  // Each event packed as one UInt128, (t + 2^62) in the high and the mask in the low 64 bits:
  // sorting that array orders by (t, mask) exactly like sorting (t, mask) tuples, ~2× faster.
  const cols = [
    `arraySort(groupArray(toUInt128(t + ${T_OFFSET}) * ${TWO_64} + toUInt128(mask))) AS evs`,
    `arrayMap(y -> toInt64(bitShiftRight(y, 64)) - ${T_OFFSET}, evs) AS ts`,
    `arrayMap(y -> toUInt64(bitAnd(y, ${TWO_64} - 1)), evs) AS ms`,
  ];
  // e{i}: the event extends level i; sb{i}: start of the level-i chain before the event (-1 none);
  // lb{i}: time of the last step of the most recent level-i extension before the event.
  const before = (codes: string, keep: string) => `arrayPopBack(arrayFill(x -> ${keep}, arrayPushFront(${codes}, toInt64(-1))))`;
  for (let i = 1; i <= n; i++) {
    if (i === 1) cols.push('arrayMap(m -> bitTest(m, 0), ms) AS e1');
    else cols.push(`arrayMap((m, t, sb) -> bitTest(m, ${i - 1}) AND sb >= 0 AND t - sb <= ${W}, ms, ts, sb${i - 1}) AS e${i}`);
    if (i < n) {
      const startVal = i === 1 ? 't' : 'sb';
      const codes = `arrayMap((e, m, t, sb) -> toInt64(if(e, ${startVal}, if(${clear(i)}, -1, -2))), e${i}, ms, ts, ${i === 1 ? 'ts' : `sb${i - 1}`})`;
      cols.push(`${before(codes, 'x != -2')} AS sb${i}`);
      cols.push(`${before(`arrayMap((e, t) -> if(e, t, toInt64(-1)), e${i}, ts)`, 'x >= 0')} AS lb${i}`);
    }
  }
  const level = Array.from({ length: n }, (_, k) => `arrayExists(x -> x, e${k + 1})`).join(' + ');
  // The most recent extension of level i: its time minus the last step of level i-1 before it.
  const tt = Array.from({ length: n - 1 }, (_, k) => {
    const i = k + 2;
    return `if(level >= ${i}, (ts[arrayLastIndex(x -> x, e${i})] - lb${i - 1}[arrayLastIndex(x -> x, e${i})]) / 1e6, -1.)`;
  });
  return `SELECT person_id, bv, level, [${tt.join(', ')}] AS tt
    FROM (
      SELECT person_id, argMinIf(bv, t, bitTest(mask, 0)) AS bv,
        ${cols.join(',\n        ')}, toUInt32(${level}) AS level
      FROM rows GROUP BY person_id
    )`;
}

/**
 * `any` order: the most distinct steps found within one window starting at any step event.
 */
export function planFunnel(env: CompileEnv, q: FunnelQuery, range: WallRange): Plan<FunnelResult> {
  const s = new Scope(env);
  const n = q.steps.length;
  const W = s.p.add(q.window.value * WINDOW_US[q.window.unit], 'Int64');
  const breakdown = propertyBreakdownOf(q.breakdown);
  const needPerson =
    breakdown?.type === 'person' ||
    [...q.steps, ...q.exclusions].some((st) => st.filters.some((f) => f.type === 'person'));
  const cond = (st: { event: string; filters: FunnelQuery['filters'] }) =>
    [`event = ${s.p.add(st.event, 'String')}`, ...st.filters.map((f) => filterExpr(s, f))].join(' AND ');
  const maskParts = [...q.steps, ...q.exclusions].map((st, i) => `if(${cond(st)}, ${2 ** i}, 0)`);
  const mask = `toUInt64(${maskParts.join(' + ')})`;
  const events = q.order === 'strict' ? undefined : [...q.steps, ...q.exclusions].map((x) => x.event);
  const source = eventsSource(s, { range, events, filters: q.filters, personProperties: needPerson });

  let bvExpr = "''";
  let withTop = '';
  let rank = 'toUInt32(0)';
  if (breakdown) {
    const b = breakdown;
    const text = propertyText(s, propertyColumn(b.type), b.key);
    const step0 = eventsSource(s, { range, events: [q.steps[0]!.event], filters: q.filters, personProperties: needPerson });
    const step0Cond = cond(q.steps[0]!);
    withTop = `WITH (SELECT groupArray(bv) FROM (SELECT ${propertyText(s, propertyColumn(b.type), b.key)} AS bv FROM ${step0}
      WHERE ${step0Cond} GROUP BY bv ORDER BY uniqExact(person_id) DESC, bv LIMIT ${s.p.add(b.limit, 'UInt32')})) AS top`;
    bvExpr = text;
    rank = 'indexOf(top, bv)';
  }

  let perPerson: string;
  if (q.order === 'any') {
    const stepBits = 2 ** n - 1;
    perPerson = `SELECT person_id, argMinIf(bv, t, bitTest(mask, 0)) AS bv, arraySort(groupArray((t, mask))) AS evs,
        arrayMax(arrayMap(a -> bitCount(bitAnd(arrayReduce('groupBitOr', arrayMap(y -> y.2, arrayFilter(y -> y.1 >= a.1 AND y.1 - a.1 <= ${W}, evs))), ${stepBits})), evs)) AS level,
        arrayResize(CAST([], 'Array(Float64)'), ${n - 1}, -1.) AS tt
      FROM rows GROUP BY person_id`;
  } else {
    perPerson = vectorFunnel(s, q, W);
  }
  const dropped = q.droppedOff;
  const sql = `${withTop ? withTop + ',' : 'WITH'} rows AS (
      SELECT person_id, toUnixTimestamp64Micro(timestamp) AS t, ${mask} AS mask, ${bvExpr} AS bv FROM ${source}
      ${q.order === 'strict' ? '' : 'WHERE mask != 0'}
    )
    SELECT rank, any(bv) AS bv, j, count() AS people,
      avgIf(tt[greatest(j - 1, 1)], j > 1) AS avg_t,
      quantileExactIf(0.5)(tt[greatest(j - 1, 1)], j > 1) AS median_t,
      countIf(level = j) AS dropped,
      arraySlice(arraySort(groupArrayIf(toString(person_id), level = j)), ${s.p.add(dropped.offset + 1, 'UInt32')}, ${s.p.add(dropped.limit, 'UInt32')}) AS dropped_ids
    FROM (SELECT *, ${rank} AS rank FROM (${perPerson}) WHERE level > 0)
    ARRAY JOIN range(1, level + 1) AS j
    GROUP BY rank, j
    ORDER BY rank, j`;
  return {
    queries: [s.done(sql)],
    shape([rows]) {
      const groups = new Map<number, { bv: string | null; byJ: Map<number, Record<string, unknown>> }>();
      for (const r of rows!) {
        const rk = num(r.rank);
        let g = groups.get(rk);
        if (!g) {
          const bv = String(r.bv ?? '');
          g = { bv: !q.breakdown ? null : rk === 0 ? OTHER : bv === '' ? null : bv, byJ: new Map() };
          groups.set(rk, g);
        }
        g.byJ.set(num(r.j), r);
      }
      if (!q.breakdown && groups.size === 0) groups.set(0, { bv: null, byJ: new Map() });
      const ordered = [...groups.entries()].sort(([a], [b]) => (a === 0 ? 1 : b === 0 ? -1 : a - b));
      return {
        kind: 'funnel',
        breakdowns: ordered.map(([, g]) => {
          const counts = q.steps.map((_, k) => num(g.byJ.get(k + 1)?.people));
          return {
            breakdownValue: g.bv,
            steps: q.steps.map((st, k) => {
              const row = g.byJ.get(k + 1);
              const prevRow = g.byJ.get(k);
              const timed = k > 0 && q.order !== 'any' && counts[k]! > 0;
              return {
                index: k,
                event: st.event,
                count: counts[k]!,
                conversionFromFirst: counts[0] ? counts[k]! / counts[0] : 0,
                conversionFromPrevious: k === 0 ? (counts[0] ? 1 : 0) : counts[k - 1] ? counts[k]! / counts[k - 1]! : 0,
                medianTimeToConvertSeconds: timed ? num(row?.median_t) : null,
                averageTimeToConvertSeconds: timed ? num(row?.avg_t) : null,
                droppedOff:
                  k === 0
                    ? { total: 0, personIds: [] }
                    : { total: num(prevRow?.dropped), personIds: ((prevRow?.dropped_ids as string[]) ?? []).map(String) },
              };
            }),
          };
        }),
      };
    },
  };
}
