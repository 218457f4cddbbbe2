/**
 * `tsx bench/query/profile.ts --dir D [--events N] [--only name] [--sql file.sql …]` — a
 * development aid, not a test: loads the benchmark data set once into a kept data directory
 * (no PostgreSQL), then times the compiled SQL of the benchmark's funnel, retention and
 * unique-users definitions (and any extra SQL files, `{project}` replaced by the project id)
 * so query variants can be compared without reloading.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../../server/src/config/index.js';
import { instantToWall, resolveRange } from '../../server/src/query/dates.js';
import { querySchema, type Query } from '../../server/src/query/definitions.js';
import { planQuery } from '../../server/src/query/plan-query.js';
import { runCompiled } from '../../server/src/query/runner.js';
import { startCairn } from '../../server/src/server.js';
import { generate, load } from '../../tests/query/support/dataset.js';
import { INIT, funnelSteps as steps, range } from './fixture.js';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const all = (name: string) => args.flatMap((a, i) => (a === `--${name}` ? [args[i + 1]!] : []));
const DIR = arg('dir') ?? '/tmp/cairn-qprof';
const EVENTS = Number(arg('events') ?? 1_000_000);
const RUNS = Number(arg('runs') ?? 5);
const ONLY = arg('only');
const cases: Record<string, unknown> = {
  uu: { kind: 'trends', series: [{ event: '$pageview', math: 'unique_users' }], interval: 'day', ...range },
  funnel: { kind: 'funnel', steps: steps.map((event) => ({ event })), window: { value: 1, unit: 'day' }, ...range },
  funnelStrict: { kind: 'funnel', order: 'strict', steps: steps.map((event) => ({ event })), window: { value: 1, unit: 'day' }, ...range },
  funnelExclusion: {
    kind: 'funnel', steps: steps.map((event) => ({ event })), exclusions: [{ event: 'signup', fromStep: 0, toStep: 2 }],
    window: { value: 1, unit: 'hour' }, breakdown: { type: 'event', key: 'browser', limit: 3 }, ...range,
  },
  retentionFirst: { kind: 'retention', startEvent: { event: 'view_item' }, returnEvent: { event: 'purchase' }, period: 'week', periods: 4, retentionType: 'first_time', ...range },
  retention: { kind: 'retention', startEvent: { event: '$pageview' }, returnEvent: { event: '$pageview' }, period: 'day', periods: 30, ...range },
};

async function main() {
  const fresh = !existsSync(`${DIR}/.loaded`);
  const config = loadConfig({ CAIRN_DATA_DIR: DIR, CAIRN_PORT: '0', CAIRN_HOST: '127.0.0.1', CAIRN_LOG_LEVEL: 'warn', CAIRN_QUERY_TIMEOUT_MS: '600000', ...INIT });
  const cairn = await startCairn(config);
  try {
    const { client, database } = cairn.deps.ch;
    const headers = { authorization: `Bearer ${INIT.CAIRN_INIT_API_KEY}` };
    const projectId = ((await (await fetch(`${cairn.url}/api/v1/projects`, { headers })).json()) as any).data[0].id as string;
    if (fresh) {
      let total = 0;
      for (let chunk = 0; total < EVENTS; chunk++) {
        const ds = generate({ projectId, seed: 1000 + chunk, users: 2000, days: 90, start: '2026-08-01T00:00:00Z', userOffset: chunk * 2000, maxEvents: EVENTS - total, noOtherProject: true });
        if (!ds.events.length) break;
        await load(client, database, ds, 100_000);
        total += ds.events.length;
      }
      await client.command({ query: `OPTIMIZE TABLE ${database}.events FINAL` });
      writeFileSync(`${DIR}/.loaded`, String(total));
      console.log(`loaded ${total}`);
    }
    const env = { database, projectId, timezone: 'UTC', cohorts: new Map(), nowWall: instantToWall(Date.now(), 'UTC') };
    const limits = { timeoutMs: 600_000, maxMemoryBytes: 8e9 };
    const timeIt = async (name: string, fn: () => Promise<unknown>) => {
      await fn();
      const xs: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        await fn();
        xs.push(performance.now() - t);
      }
      xs.sort((a, b) => a - b);
      console.log(`${name}: p50 ${xs[Math.floor(xs.length / 2)]!.toFixed(1)} min ${xs[0]!.toFixed(1)} ms`);
    };
    // `--baseline dir`: another checkout's server/src/query/plan-query.ts; its plans are timed
    // interleaved with this tree's (A, B, A, B, …) so machine load hits both alike, and the
    // answers are compared.
    const baseline = arg('baseline');
    const other = baseline ? ((await import(`${baseline}/server/src/query/plan-query.ts`)) as { planQuery: typeof planQuery }).planQuery : undefined;
    for (const [name, def] of Object.entries(cases)) {
      if (ONLY && !name.includes(ONLY)) continue;
      const q = querySchema.parse(def) as Query;
      const r = resolveRange((q as any).dateFrom, (q as any).dateTo, 'UTC');
      const plan = planQuery(env, q, r);
      if (args.includes('--print')) console.log(plan.queries[0]!.sql, JSON.stringify(plan.queries[0]!.params));
      if (args.includes('--answer')) console.log(JSON.stringify(plan.shape(await runCompiled(client, plan.queries, limits))).slice(0, 600));
      if (!other) {
        await timeIt(name, () => runCompiled(client, plan.queries, limits));
        continue;
      }
      const before = other(env, q, r);
      const a = JSON.stringify(before.shape(await runCompiled(client, before.queries, limits)));
      const b = JSON.stringify(plan.shape(await runCompiled(client, plan.queries, limits)));
      const xs: number[] = [];
      const ys: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        let t = performance.now();
        await runCompiled(client, before.queries, limits);
        xs.push(performance.now() - t);
        t = performance.now();
        await runCompiled(client, plan.queries, limits);
        ys.push(performance.now() - t);
      }
      const p50 = (v: number[]) => [...v].sort((m, n) => m - n)[Math.floor(v.length / 2)]!.toFixed(1);
      if (a !== b && args.includes('--dump')) {
        writeFileSync(`/tmp/profile-${name}-baseline.json`, JSON.stringify(JSON.parse(a), null, 1));
        writeFileSync(`/tmp/profile-${name}-tree.json`, JSON.stringify(JSON.parse(b), null, 1));
      }
      console.log(`${name}: baseline p50 ${p50(xs)} ms, this tree p50 ${p50(ys)} ms, answers ${a === b ? 'identical' : 'DIFFER'}`);
    }
    for (const f of all('sql')) {
      const sql = readFileSync(f, 'utf8').replaceAll('{project}', `'${projectId}'`).replaceAll('{db}', database);
      await timeIt(f, async () => (await client.query({ query: sql, format: 'JSONEachRow' })).json());
    }
  } finally {
    await cairn.close();
  }
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
