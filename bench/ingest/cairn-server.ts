/**
 * A real embedded Cairn (embedded PostgreSQL + chDB, the embedded bus) in a child process,
 * for `pnpm bench:ingest`. Answers over IPC: its URL; `stats` (stored events, peak RSS);
 * `latency` (capture → queryable samples, taken inside the server process so the query
 * sees the same chDB); `stop`.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { loadConfig } from '../../server/src/config/index.js';
import { startCairn } from '../../server/src/server.js';
import { INIT, newDataDir } from '../../tests/support/cairn.js';

const dataDir = newDataDir();
const cairn = await startCairn(
  loadConfig({ ...INIT, CAIRN_DATA_DIR: dataDir, CAIRN_PORT: '0', CAIRN_HOST: '127.0.0.1', CAIRN_LOG_LEVEL: 'warn', CAIRN_SHUTDOWN_TIMEOUT_MS: '5000' }),
);
const project = await cairn.deps.pg.owner('projects').where({ token: INIT.CAIRN_INIT_PROJECT_TOKEN }).first('id', 'organization_id');
const { client, database } = await cairn.deps.tenants.clickhouseFor(project.organization_id);
const count = async (where = '1') =>
  Number((await (await client.query({ query: `SELECT count() AS n FROM ${database}.events WHERE ${where}`, format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n);

/** Posts one event and polls until a query sees its uuid: the time a user waits to see it. */
async function latencySample(): Promise<number> {
  const uuid = randomUUID();
  const started = performance.now();
  const res = await fetch(`${cairn.url}/e`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ api_key: INIT.CAIRN_INIT_PROJECT_TOKEN, event: 'latency probe', distinct_id: 'probe', uuid }),
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`probe answered ${res.status}`);
  for (;;) {
    const rows = await (
      await client.query({
        query: `SELECT count() AS n FROM ${database}.events
                 WHERE project_id = {p:UUID} AND toDate(timestamp) = today() AND event = 'latency probe' AND uuid = {u:UUID}`,
        query_params: { p: project.id, u: uuid },
        format: 'JSONEachRow',
      })
    ).json<{ n: string }>();
    if (Number(rows[0]!.n) > 0) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 10));
  }
}

process.send!({ url: cairn.url });
process.on('message', async (m: { cmd: string; samples?: number; intervalMs?: number }) => {
  if (m.cmd === 'stats') {
    const dead = Number((await (await client.query({ query: `SELECT count() AS n FROM ${database}.events_dead_letter`, format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n);
    process.send!({ events: await count(), deadLetters: dead, maxRssBytes: process.resourceUsage().maxRSS * 1024 });
  }
  if (m.cmd === 'latency') {
    const samples: number[] = [];
    for (let i = 0; i < (m.samples ?? 50); i++) {
      samples.push(await latencySample());
      await new Promise((r) => setTimeout(r, m.intervalMs ?? 20));
    }
    process.send!({ samples });
  }
  if (m.cmd === 'stop') {
    await cairn.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  }
});
