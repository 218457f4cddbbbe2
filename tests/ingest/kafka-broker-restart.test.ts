import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { kafkaConsumerModule } from '../../server/src/ingest/kafka/consumer.module.js';
import { apiModules } from '../../server/src/modules.js';
import { ensureBroker, resetBroker, stopBroker, uniqueKafkaEnv, waitFor } from '../kafka/broker.js';
import { INIT, startTestCairn, type TestCairn } from '../support/cairn.js';
import { postJson, TOKEN } from './helpers.js';

// The broker is stopped and started while events are being captured. This file stops its
// broker, so it runs one of its own on another port and leaves the shared one alone.
const PORT = Number(process.env.CAIRN_KAFKA_RESTART_PORT ?? 19192);

let cairn: TestCairn;

beforeAll(async () => {
  await resetBroker(PORT);
  const brokers = await ensureBroker(PORT);
  cairn = await startTestCairn(
    {
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PARTITIONS: '3',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      KAFKA_PUBLISH_TIMEOUT_MS: '1500',
      ...uniqueKafkaEnv('kafka_restart'),
      ...INIT,
    },
    { modules: (deps) => [...apiModules(deps), kafkaConsumerModule(deps)] },
  );
}, 240_000);

afterAll(async () => {
  await cairn?.destroy();
  await resetBroker(PORT);
});

it('answers 503 while the broker is down, recovers when it is back, and loses nothing it acknowledged', async () => {
  const acked: string[] = [];
  const answers: Array<{ status: number; retryAfter: string | null; at: 'up' | 'down' | 'restarted' }> = [];
  let phase: 'up' | 'down' | 'restarted' = 'up';
  let running = true;

  const worker = async (w: number) => {
    for (let n = 0; running; n++) {
      const batch = Array.from({ length: 5 }, (_, i) => ({ event: 'restart test', distinct_id: `user-${w}-${i}`, uuid: randomUUID(), properties: { w, n, i } }));
      const at = phase;
      const res = await postJson(cairn.url, '/api/v1/capture', { token: TOKEN, batch });
      answers.push({ status: res.status, retryAfter: res.headers.get('retry-after'), at });
      if (res.status === 200) acked.push(...batch.map((b) => b.uuid));
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const workers = Promise.all([worker(0), worker(1), worker(2)]);
  try {
    await waitFor('events acknowledged before the stop', async () => acked.length >= 100);

    phase = 'down';
    await stopBroker(PORT);
    const downFrom = answers.length;
    await waitFor('503 answers while the broker is down', async () => answers.slice(downFrom).filter((a) => a.status === 503).length >= 5, 60_000);

    const beforeRestart = acked.length;
    await ensureBroker(PORT);
    phase = 'restarted';
    await waitFor('acknowledgements after the restart', async () => acked.length >= beforeRestart + 100, 90_000);
  } finally {
    running = false;
    await workers;
  }

  // Only two answers are right: acknowledged (200) or "try again" (503 with Retry-After).
  expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200, 503]));
  expect(answers.filter((a) => a.status === 503).every((a) => a.retryAfter !== null)).toBe(true);

  const { client, database } = cairn.deps.ch;
  const stored = async () =>
    (
      await (
        await client.query({
          query: `SELECT count() AS n, uniqExact(uuid) AS u FROM ${database}.events FINAL WHERE uuid IN {ids:Array(UUID)}`,
          query_params: { ids: acked },
          format: 'JSONEachRow',
        })
      ).json<{ n: string; u: string }>()
    )[0]!;
  await waitFor('every acknowledged event in ClickHouse', async () => Number((await stored()).u) === acked.length, 120_000, 500);
  const final = await stored();
  expect([Number(final.n), Number(final.u)]).toEqual([acked.length, acked.length]);
}, 300_000);
