/**
 * `pnpm bench:query` — a benchmark, not a test. Generates N events (default 10 M; `--events N`
 * or BENCH_EVENTS), loads them into a real embedded Cairn (chDB) and into PostgreSQL (an
 * events table with JSONB properties and the indexes a team would add), then per query kind
 * prints p50/p95 of the HTTP API (cache bypassed with refresh) next to the raw SQL time of the
 * very statements the compiler produced (ratio), and the same definition on PostgreSQL.
 *
 *   pnpm bench:query -- --events 1000000 --runs 7
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../../server/src/config/index.js';
import { instantToWall, resolveRange } from '../../server/src/query/dates.js';
import { querySchema, type Query } from '../../server/src/query/definitions.js';
import { planQuery } from '../../server/src/query/plan-query.js';
import { runCompiled } from '../../server/src/query/runner.js';
import { startCairn } from '../../server/src/server.js';
import { generate, load, type GenEvent } from '../../tests/query/support/dataset.js';
import { INIT, funnelSteps, range } from './fixture.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const EVENTS = Number(arg('events') ?? process.env.BENCH_EVENTS ?? 10_000_000);
const RUNS = Number(arg('runs') ?? process.env.BENCH_RUNS ?? 7);
const PG_RUNS = Number(arg('pg-runs') ?? process.env.BENCH_PG_RUNS ?? 3);
const SKIP_PG = process.argv.includes('--no-pg');
const PG_WORK_MEM = arg('pg-work-mem') ?? '256MB';
const ONLY = arg('only');
const DAYS = 90;
const START = '2026-08-01T00:00:00Z';



/** The definitions timed, and their PostgreSQL equivalents ($1 project, $2 from, $3 to). */
const cases: Array<{ name: string; query: unknown; pg?: string }> = [
  {
    name: 'trends total/day',
    query: { kind: 'trends', series: [{ event: '$pageview' }], interval: 'day', ...range },
    pg: `SELECT date_trunc('day', timestamp AT TIME ZONE 'UTC') AS d, count(*) FROM bench.events
         WHERE project_id = $1 AND event = '$pageview' AND timestamp >= $2 AND timestamp < $3 GROUP BY d ORDER BY d`,
  },
  {
    name: 'trends unique users/day',
    query: { kind: 'trends', series: [{ event: '$pageview', math: 'unique_users' }], interval: 'day', ...range },
    pg: `SELECT date_trunc('day', timestamp AT TIME ZONE 'UTC') AS d, count(DISTINCT person_id) FROM bench.events
         WHERE project_id = $1 AND event = '$pageview' AND timestamp >= $2 AND timestamp < $3 GROUP BY ROLLUP (d)`,
  },
  {
    name: 'trends dau (rolling, week)',
    query: { kind: 'trends', series: [{ event: '$pageview', math: 'wau' }], interval: 'day', ...range },
  },
  {
    name: 'trends breakdown top 5',
    query: { kind: 'trends', series: [{ event: '$pageview' }], interval: 'day', breakdown: { type: 'event', key: 'browser', limit: 5 }, ...range },
    pg: `WITH top AS (SELECT properties->>'browser' AS v FROM bench.events WHERE project_id = $1 AND event = '$pageview'
           AND timestamp >= $2 AND timestamp < $3 GROUP BY 1 ORDER BY count(*) DESC LIMIT 5)
         SELECT date_trunc('day', timestamp AT TIME ZONE 'UTC') AS d,
           CASE WHEN properties->>'browser' IN (SELECT v FROM top) THEN properties->>'browser' ELSE '$other' END AS b, count(*)
         FROM bench.events WHERE project_id = $1 AND event = '$pageview' AND timestamp >= $2 AND timestamp < $3 GROUP BY 1, 2`,
  },
  {
    name: 'funnel 4 steps, 1 day',
    query: { kind: 'funnel', steps: funnelSteps.map((event) => ({ event })), window: { value: 1, unit: 'day' }, ...range },
    pg: `WITH a AS (SELECT person_id, min(timestamp) AS t FROM bench.events
           WHERE project_id = $1 AND event = '$pageview' AND timestamp >= $2 AND timestamp < $3 GROUP BY person_id)
         SELECT count(*), count(b.t), count(c.t), count(d.t) FROM a
         LEFT JOIN LATERAL (SELECT min(timestamp) AS t FROM bench.events e WHERE e.project_id = $1 AND e.person_id = a.person_id
           AND e.event = 'view_item' AND e.timestamp >= a.t AND e.timestamp <= a.t + interval '1 day' AND e.timestamp < $3) b ON true
         LEFT JOIN LATERAL (SELECT min(timestamp) AS t FROM bench.events e WHERE e.project_id = $1 AND e.person_id = a.person_id
           AND e.event = 'add_to_cart' AND e.timestamp >= b.t AND e.timestamp <= a.t + interval '1 day' AND e.timestamp < $3) c ON true
         LEFT JOIN LATERAL (SELECT min(timestamp) AS t FROM bench.events e WHERE e.project_id = $1 AND e.person_id = a.person_id
           AND e.event = 'purchase' AND e.timestamp >= c.t AND e.timestamp <= a.t + interval '1 day' AND e.timestamp < $3) d ON true`,
  },
  {
    name: 'retention day, 30 periods',
    query: { kind: 'retention', startEvent: { event: '$pageview' }, returnEvent: { event: '$pageview' }, period: 'day', periods: 30, ...range },
    pg: `WITH s AS (SELECT DISTINCT person_id, (timestamp AT TIME ZONE 'UTC')::date AS d FROM bench.events
           WHERE project_id = $1 AND event = '$pageview' AND timestamp >= $2 AND timestamp < $3),
         r AS (SELECT DISTINCT person_id, (timestamp AT TIME ZONE 'UTC')::date AS d FROM bench.events
           WHERE project_id = $1 AND event = '$pageview' AND timestamp >= $2 AND timestamp < $3::timestamptz + interval '31 days')
         SELECT s.d, r.d - s.d AS k, count(*) FROM s JOIN r ON r.person_id = s.person_id AND r.d - s.d BETWEEN 1 AND 30 GROUP BY 1, 2
         UNION ALL SELECT d, 0, count(*) FROM s GROUP BY d`,
  },
  {
    name: 'stickiness',
    query: { kind: 'stickiness', event: 'view_item', ...range },
    pg: `SELECT n, count(*) FROM (SELECT person_id, count(DISTINCT (timestamp AT TIME ZONE 'UTC')::date) AS n FROM bench.events
         WHERE project_id = $1 AND event = 'view_item' AND timestamp >= $2 AND timestamp < $3 GROUP BY person_id) x GROUP BY n`,
  },
  { name: 'lifecycle', query: { kind: 'lifecycle', event: '$pageview', interval: 'week', ...range } },
  { name: 'paths from view_item', query: { kind: 'paths', startEvent: 'view_item', depth: 5, ...range } },
  { name: 'churn risk', query: { kind: 'churn_risk', asOf: '2026-10-29', windowDays: 28, limit: 100 } },
  { name: 'events listing', query: { kind: 'events', events: ['purchase'], ...range, limit: 100 } },
];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const fmt = (ms: number | undefined) => (ms === undefined ? '—' : ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));

async function time(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cairn-bench-'));
  const config = loadConfig({ CAIRN_DATA_DIR: dataDir, CAIRN_PORT: '0', CAIRN_HOST: '127.0.0.1', CAIRN_LOG_LEVEL: 'warn', CAIRN_QUERY_TIMEOUT_MS: '600000', ...INIT });
  const cairn = await startCairn(config);
  try {
    const { client, database } = cairn.deps.ch;
    const owner = cairn.deps.pg.owner;
    const headers = { authorization: `Bearer ${INIT.CAIRN_INIT_API_KEY}`, 'content-type': 'application/json' };
    const projectId = ((await (await fetch(`${cairn.url}/api/v1/projects`, { headers })).json()) as any).data[0].id as string;

    if (!SKIP_PG) {
      await owner.raw(`CREATE SCHEMA IF NOT EXISTS bench; DROP TABLE IF EXISTS bench.events;
        CREATE TABLE bench.events (project_id uuid, uuid uuid, event text, distinct_id text, person_id uuid, timestamp timestamptz, properties jsonb)`);
    }
    console.log(`generating ${EVENTS.toLocaleString()} events over ${DAYS} days…`);
    const t0 = performance.now();
    let total = 0;
    let pgMs = 0;
    for (let chunk = 0; total < EVENTS; chunk++) {
      const ds = generate({ projectId, seed: 1000 + chunk, users: 2000, days: DAYS, start: START, userOffset: chunk * 2000, maxEvents: EVENTS - total, noOtherProject: true });
      if (!ds.events.length) break;
      await load(client, database, ds, 100_000);
      if (!SKIP_PG) {
        const tp = performance.now();
        await loadPostgres(owner, ds.events, ds.mapping);
        pgMs += performance.now() - tp;
      }
      total += ds.events.length;
      process.stdout.write(`\r  ${total.toLocaleString()} events`);
    }
    console.log(`\n  loaded in ${((performance.now() - t0) / 1000).toFixed(0)} s (PostgreSQL share ${(pgMs / 1000).toFixed(0)} s)`);
    if (!SKIP_PG) {
      const ti = performance.now();
      await owner.raw(`CREATE INDEX ON bench.events (project_id, event, timestamp) INCLUDE (person_id);
        CREATE INDEX ON bench.events (project_id, person_id, event, timestamp);
        CREATE INDEX ON bench.events (project_id, timestamp);
        ANALYZE bench.events`);
      console.log(`  PostgreSQL indexes + ANALYZE in ${((performance.now() - ti) / 1000).toFixed(0)} s`);
    }
    await client.command({ query: `OPTIMIZE TABLE ${database}.events FINAL` });

    const rows: string[][] = [];
    const env = { database, projectId, timezone: 'UTC', cohorts: new Map(), nowWall: instantToWall(Date.now(), 'UTC') };
    const limits = { timeoutMs: 600_000, maxMemoryBytes: config.env.CAIRN_QUERY_MAX_MEMORY_BYTES };
    const pgFrom = `${range.dateFrom}T00:00:00Z`;
    const pgTo = new Date(Date.parse(`${range.dateTo}T00:00:00Z`) + 86_400_000).toISOString();
    for (const c of cases.filter((x) => !ONLY || x.name.includes(ONLY))) {
      const body = JSON.stringify({ query: c.query, refresh: true });
      const callApi = async () => {
        const res = await fetch(`${cairn.url}/api/v1/projects/${projectId}/query`, { method: 'POST', headers, body });
        if (res.status !== 200) throw new Error(`${c.name}: ${res.status} ${await res.text()}`);
        await res.json();
      };
      const q = querySchema.parse(c.query) as Query;
      const r = q.kind === 'churn_risk' ? { from: `${q.asOf} 00:00:00.000000`, to: `${q.asOf} 00:00:00.000000` } : resolveRange(q.dateFrom, q.dateTo, 'UTC');
      const plan = planQuery(env, q, r);
      await callApi(); // warm: catalog, caches of the engine
      const sql = await time(RUNS, () => runCompiled(client, plan.queries, limits));
      const apiMs = await time(RUNS, callApi);
      const cached = await time(RUNS, async () => {
        const res = await fetch(`${cairn.url}/api/v1/projects/${projectId}/query`, { method: 'POST', headers, body: JSON.stringify({ query: c.query }) });
        await res.json();
      });
      let pg: number[] | undefined;
      if (c.pg && !SKIP_PG) {
        const conn = await owner.client.acquireConnection();
        try {
          // As a team would tune it for analytics: hashes and sorts of distinct sets in memory
          // (the embedded default of 4 MB spills them to disk).
          await conn.query(`SET work_mem = '${PG_WORK_MEM}'`);
          pg = await time(PG_RUNS, () => conn.query(c.pg!, [projectId, pgFrom, pgTo]));
        } finally {
          await owner.client.releaseConnection(conn);
        }
      }
      const a50 = pct(apiMs, 50);
      const s50 = pct(sql, 50);
      rows.push([
        c.name,
        fmt(a50),
        fmt(pct(apiMs, 95)),
        fmt(s50),
        fmt(pct(sql, 95)),
        (a50 / s50).toFixed(2),
        `${fmt(a50 - s50)}`,
        fmt(pct(cached, 50)),
        pg ? fmt(pct(pg, 50)) : '—',
        pg ? `${(pct(pg, 50) / a50).toFixed(pct(pg, 50) / a50 < 10 ? 1 : 0)}×` : '—',
      ]);
      console.log(`  ${c.name}: done`);
    }
    const head = ['kind', 'API p50', 'API p95', 'SQL p50', 'SQL p95', 'API/SQL', 'API−SQL ms', 'cached p50', 'PG p50', 'PG p50 / API p50'];
    console.log(`\n${total.toLocaleString()} events, ${RUNS} runs per kind (PostgreSQL: ${PG_RUNS}), times in ms`);
    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}\n`);
    console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  } finally {
    await cairn.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function loadPostgres(owner: import('knex').Knex, events: GenEvent[], mapping: Map<string, string>) {
  for (let i = 0; i < events.length; i += 20_000) {
    const part = events.slice(i, i + 20_000);
    await owner.raw(
      `INSERT INTO bench.events SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::uuid[], ?::timestamptz[], ?::jsonb[])`,
      [
        part.map((e) => e.projectId),
        part.map((e) => e.uuid),
        part.map((e) => e.event),
        part.map((e) => e.distinctId),
        // The team's table would keep person ids up to date on merges: resolved at load.
        part.map((e) => mapping.get(e.distinctId) ?? e.personId),
        part.map((e) => new Date(Math.floor(e.tsUs / 1000)).toISOString()),
        part.map((e) => JSON.stringify(e.properties)),
      ],
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
