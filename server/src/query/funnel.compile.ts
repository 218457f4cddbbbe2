import type { WallRange } from './dates.js';
import { propertyBreakdownOf, type FunnelQuery, type FunnelResult } from './definitions.js';
import { num, type Plan } from './plan.js';
import { eventsSource, filterExpr, propertyColumn, propertyText, Scope, type CompileEnv } from './sql.js';
import { OTHER } from './trends.compile.js';

const WINDOW_US = { minute: 60e6, hour: 3600e6, day: 86400e6, week: 7 * 86400e6 } as const;

/**
 * Ordered and strict funnels are folded per person over their events in time order (arrayFold), in one pass:
 * - `live[i]`: the chain that has reached level i (steps 0..i-1) and may go on, kept as
 *   (time of its first step, time of its previous step, time of its last step);
 * - `best[i]`: the most recent chain that reached level i (for conversion times).
 * An event matching step i extends `live[i-1]` when it is within the window of that chain's
 * first step (inclusive). Later chains replace earlier ones: a later start leaves more window,
 * so the greedy pass finds each person's highest level. `strict` clears every chain an event
 * does not extend; an exclusion event clears the chains between its fromStep and toStep.
 * Times to convert come from the most recent attempt that reached each step.
 */
function foldedFunnel(s: Scope, q: FunnelQuery, W: string): string {
  const n = q.steps.length;
  // The state is one flat tuple (no nested lambdas, so each fold step is a few cheap
  // expressions): per level i, live (start, previous, last) then best (start, previous, last);
  // start -1 = no chain.
  const ls = (i: number) => 3 * (i - 1) + 1;
  const bs = (i: number) => 3 * n + 3 * (i - 1) + 1;
  const kills = (i: number) =>
    q.exclusions.flatMap((e, j) => (e.fromStep + 1 <= i && i <= e.toStep ? [`bitTest(x.2, ${n + j})`] : []));
  const next: string[] = [];
  const best: string[] = [];
  for (let i = 1; i <= n; i++) {
    const ext =
      i === 1 ? `bitTest(x.2, 0)` : `(bitTest(x.2, ${i - 1}) AND acc.${ls(i - 1)} >= 0 AND x.1 - acc.${ls(i - 1)} <= ${W})`;
    const start = i === 1 ? 'x.1' : `acc.${ls(i - 1)}`;
    const prev = i === 1 ? 'x.1' : `acc.${ls(i - 1) + 2}`;
    const clear = q.order === 'strict' ? 'true' : kills(i).join(' OR ') || 'false';
    next.push(`if(${ext}, ${start}, if(${clear}, -1, acc.${ls(i)}))`, `if(${ext}, ${prev}, acc.${ls(i) + 1})`, `if(${ext}, x.1, acc.${ls(i) + 2})`);
    best.push(`if(${ext}, ${start}, acc.${bs(i)})`, `if(${ext}, ${prev}, acc.${bs(i) + 1})`, `if(${ext}, x.1, acc.${bs(i) + 2})`);
  }
  const type = `Tuple(${Array(6 * n).fill('Int64').join(', ')})`;
  const init = `CAST((${Array.from({ length: 2 * n }, () => '-1, 0, 0').join(', ')}), '${type}')`;
  // Ordered: events before the first step 0 cannot extend anything, and of consecutive events
  // that only match step 0 the last one replaces the others' chains before anything extends
  // them — dropping both leaves the result unchanged and the fold much shorter.
  const input =
    q.order === 'strict'
      ? 'evs'
      : `arrayFilter((x, nm, seen) -> seen > 0 AND NOT (x.2 = 1 AND nm = 1), evs,
          arrayPushBack(arrayPopFront(arrayMap(y -> y.2, evs)), 0), arrayCumSum(arrayMap(y -> toUInt32(bitTest(y.2, 0)), evs)))`;
  const fold = `arrayFold((acc, x) -> CAST((${[...next, ...best].join(', ')}), '${type}'), ${input}, ${init})`;
  const level = Array.from({ length: n }, (_, k) => `(st.${bs(k + 1)} >= 0)`).join(' + ');
  const tt = Array.from({ length: n - 1 }, (_, k) => `if(level > ${k + 1}, (st.${bs(k + 2) + 2} - st.${bs(k + 2) + 1}) / 1e6, -1.)`);
  return `SELECT person_id, bv, level, [${tt.join(', ')}] AS tt
    FROM (
      SELECT person_id, argMinIf(bv, t, bitTest(mask, 0)) AS bv, arraySort(groupArray((t, mask))) AS evs,
        ${fold} AS st, toUInt32(${level}) AS level
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
    perPerson = foldedFunnel(s, q, W);
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
