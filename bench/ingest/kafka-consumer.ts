/**
 * The Kafka part of `pnpm bench:ingest` (a benchmark, not a test): on the real KRaft test
 * broker (tests/kafka/broker.sh) and chDB, in one run on this machine it prints
 *
 *   1. capture → queryable latency via Kafka (p50/p95): single events POSTed to a running
 *      Cairn in Kafka mode (gateway → broker → consumer → ClickHouse), each timed from the
 *      request until a query sees it;
 *   2. the sustained rate of the Kafka consumer (decode, persons, insert, commit) over a topic
 *      filled beforehand, as a ratio to a raw ClickHouse insert of the same rows into a
 *      table of the same schema, in the same process and run.
 *
 * Run: `node --import tsx bench/ingest/kafka-consumer.ts` (env BENCH_KAFKA_EVENTS, default
 * 100000; BENCH_KAFKA_LATENCY_SAMPLES, default 300; BENCH_KAFKA_ROUNDS, default 3, best kept).
 * Importable: `runKafkaBench()`; `pnpm bench:ingest` runs it after the embedded part.
 */
import { randomUUID } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../server/src/config/index.js';
import { toClickHouseTime } from '../../server/src/ingest/clickhouse-time.js';
import type { IngestEvent } from '../../server/src/ingest/event.js';
import { eventColumns } from '../../server/src/ingest/event.columns.js';
import { createKafkaConsumer } from '../../server/src/ingest/kafka/consumer.js';
import { createKafka } from '../../server/src/ingest/kafka/kafka.client.js';
import { kafkaConsumerModule } from '../../server/src/ingest/kafka/consumer.module.js';
import { encodeEvent } from '../../server/src/ingest/kafka/message.codec.js';
import { firstPersonId } from '../../server/src/ingest/persons.resolve.js';
import { createEventWriter } from '../../server/src/ingest/writer.js';
import { createLogger } from '../../server/src/log.js';
import { apiModules } from '../../server/src/modules.js';
import { startCairn } from '../../server/src/server.js';
import { ensureBroker, uniqueKafkaEnv } from '../../tests/kafka/broker.js';
import { INIT, newDataDir } from '../../tests/support/cairn.js';

export interface KafkaBenchResult {
  events: number;
  partitions: number;
  consumerEventsPerSec: number;
  rawInsertEventsPerSec: number;
  consumerToRawRatio: number;
  writerEventsPerSec: number;
  latencyMs: { samples: number; p50: number; p95: number; max: number };
  machine: string;
}

const num = (v: string | undefined, d: number) => (v && Number.isFinite(Number(v)) ? Number(v) : d);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

export const machine = () => `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`;

function sampleEvent(projectId: string, orgId: string, i: number): IngestEvent {
  const now = new Date().toISOString();
  return {
    uuid: randomUUID(),
    projectId,
    orgId,
    event: i % 5 === 0 ? 'signed up' : '$pageview',
    distinctId: `bench-user-${i % 2000}`,
    timestamp: now,
    receivedAt: now,
    properties: {
      $current_url: `https://app.example.com/p/${i % 50}?q=${i}`,
      $browser: 'Chrome',
      $os: 'Mac OS X',
      $device_type: 'Desktop',
      $lib: 'web',
      $session_id: `s-${i % 500}`,
      plan: i % 3 ? 'free' : 'pro',
      n: i,
    },
    flags: [],
  };
}

/** The row the writer would insert for an event, built before the clock starts. */
function rawRow(e: IngestEvent) {
  return {
    project_id: e.projectId,
    uuid: e.uuid,
    event: e.event,
    distinct_id: e.distinctId,
    person_id: firstPersonId(e.projectId, e.distinctId),
    timestamp: toClickHouseTime(e.timestamp),
    received_at: toClickHouseTime(e.receivedAt),
    properties: JSON.stringify(e.properties),
    ...eventColumns(e),
    flags: e.flags,
  };
}

export async function runKafkaBench(opts: { events?: number; latencySamples?: number; rounds?: number; print?: (line: string) => void } = {}): Promise<KafkaBenchResult> {
  const total = opts.events ?? num(process.env.BENCH_KAFKA_EVENTS, 100_000);
  const samples = opts.latencySamples ?? num(process.env.BENCH_KAFKA_LATENCY_SAMPLES, 300);
  const rounds = Math.max(1, opts.rounds ?? num(process.env.BENCH_KAFKA_ROUNDS, 3));
  const print = opts.print ?? ((l: string) => process.stdout.write(l + '\n'));
  const brokers = await ensureBroker();
  const dataDir = newDataDir();
  const env = {
    CAIRN_DATA_DIR: dataDir,
    CAIRN_PORT: '0',
    CAIRN_HOST: '127.0.0.1',
    CAIRN_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    KAFKA_BROKERS: brokers,
    ...uniqueKafkaEnv('bench_latency'),
    ...INIT,
  };
  const config = loadConfig(env);
  const log = createLogger(config);
  const cairn = await startCairn(config, { log, modules: (deps) => [...apiModules(deps), kafkaConsumerModule(deps)] });
  const { client, database } = cairn.deps.ch;
  const kafka = createKafka(config, log, '-bench');
  try {
    const { id: projectId, organization_id: orgId } = await cairn.deps.pg.owner('projects').first('id', 'organization_id');

    // 1. capture → queryable via Kafka.
    const pending = new Map<string, number>();
    const latencies: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling || pending.size > 0) {
        if (pending.size > 0) {
          const ids = [...pending.keys()];
          const rs = await client.query({
            query: `SELECT toString(uuid) AS id FROM ${database}.events WHERE uuid IN {ids:Array(UUID)}`,
            query_params: { ids },
            format: 'JSONEachRow',
          });
          const now = performance.now();
          for (const { id } of await rs.json<{ id: string }>()) {
            const t0 = pending.get(id);
            if (t0 !== undefined) {
              latencies.push(now - t0);
              pending.delete(id);
            }
          }
        }
        await sleep(10);
      }
    })();
    for (let i = 0; i < samples; i++) {
      const uuid = randomUUID();
      const t0 = performance.now();
      const res = await fetch(`${cairn.url}/api/v1/capture`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: INIT.CAIRN_INIT_PROJECT_TOKEN, event: 'latency probe', distinct_id: `probe-${i % 20}`, uuid }),
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`capture answered ${res.status}`);
      pending.set(uuid, t0);
      await sleep(20);
    }
    polling = false;
    await Promise.race([poller, sleep(60_000).then(() => Promise.reject(new Error(`${pending.size} of ${samples} latency probes never became queryable`)))]);
    latencies.sort((a, b) => a - b);
    const latencyMs = { samples: latencies.length, p50: pct(latencies, 50), p95: pct(latencies, 95), max: latencies[latencies.length - 1]! };
    print(`kafka  capture→queryable   p50 ${latencyMs.p50.toFixed(0)} ms, p95 ${latencyMs.p95.toFixed(0)} ms, max ${latencyMs.max.toFixed(0)} ms (${samples} single events, 20 ms apart)`);

    // 2. the consumer's sustained rate vs a raw insert of the same rows. The machine may be
    // shared: each figure is measured in every round (interleaved) and the best is kept.
    const partitions = config.env.KAFKA_TOPIC_PARTITIONS;
    const admin = kafka.admin();
    await admin.connect();
    const raws: number[] = [];
    const writersAlone: number[] = [];
    const consumers: number[] = [];
    let writes = 0;
    for (let round = 0; round < rounds; round++) {
      const events = Array.from({ length: total }, (_, i) => sampleEvent(projectId, orgId, i));
      // The same rows (own uuids) into the same events table, with its materialized views, in
      // 5000-row inserts built before the clock starts: what ClickHouse alone costs.
      const rows = events.map((e) => rawRow({ ...e, uuid: randomUUID() }));
      let t0 = performance.now();
      for (let i = 0; i < rows.length; i += 5000) {
        await client.insert({ table: `${database}.events`, format: 'JSONEachRow', values: rows.slice(i, i + 5000) });
      }
      raws.push(rows.length / ((performance.now() - t0) / 1000));

      // The EventWriter alone (persons, columns, insert) on the same events: Kafka's share of the gap.
      const alone = createEventWriter({ tenants: cairn.deps.tenants, log });
      const copies = events.map((e) => ({ ...e, uuid: randomUUID() }));
      t0 = performance.now();
      for (let i = 0; i < copies.length; i += 10_000) await alone.write(copies.slice(i, i + 10_000), { deduplicationToken: randomUUID() });
      writersAlone.push(copies.length / ((performance.now() - t0) / 1000));

      // The consumer over a topic filled beforehand.
      const topics = uniqueKafkaEnv(`bench_consumer_${round}`);
      const benchConfig = loadConfig({ ...env, ...topics });
      await admin.createTopics({
        waitForLeaders: true,
        topics: [topics.KAFKA_TOPIC_EVENTS!, topics.KAFKA_TOPIC_DEAD_LETTER!].map((topic) => ({ topic, numPartitions: partitions })),
      });
      const producer = kafka.producer();
      await producer.connect();
      for (let i = 0; i < events.length; i += 2000) {
        await producer.send({ topic: topics.KAFKA_TOPIC_EVENTS!, acks: -1, messages: events.slice(i, i + 2000).map(encodeEvent) });
      }
      await producer.disconnect();
      const writer = createEventWriter({ tenants: cairn.deps.tenants, log });
      let written = 0;
      let firstWrite = 0;
      let lastWrite = 0;
      let done!: () => void;
      const allWritten = new Promise<void>((r) => (done = r));
      const consumer = createKafkaConsumer({
        config: benchConfig,
        log,
        writer: {
          ...writer,
          async write(batch, o) {
            firstWrite ||= performance.now();
            await writer.write(batch, o);
            writes += 1;
            written += batch.length;
            lastWrite = performance.now();
            if (written >= total) done();
          },
        },
      });
      // Timed from the first insert's start to the last insert's end: the group join before
      // it is not ingest work, and the first fetch is a stand-in for a steady backlog.
      await consumer.start();
      await Promise.race([allWritten, sleep(600_000).then(() => Promise.reject(new Error(`consumer wrote ${written} of ${total} in 10 minutes`)))]);
      await consumer.stop();
      consumers.push(total / ((lastWrite - firstWrite) / 1000));
      await admin.deleteTopics({ topics: [topics.KAFKA_TOPIC_EVENTS!, topics.KAFKA_TOPIC_DEAD_LETTER!] }).catch(() => {});
    }
    await admin.disconnect();
    const best = (xs: number[]) => Math.max(...xs);
    const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
    const raw = best(raws);
    const writerOnly = best(writersAlone);
    const consumerRate = best(consumers);
    print(`kafka  raw ClickHouse insert ${raw.toFixed(0)} events/s (5000-row inserts into the events table; best of ${list(raws)})`);
    print(`kafka  EventWriter alone    ${writerOnly.toFixed(0)} events/s (10000-event writes: persons, columns, insert; best of ${list(writersAlone)}) = ${(writerOnly / raw).toFixed(2)} of raw`);
    print(
      `kafka  consumer sustained   ${consumerRate.toFixed(0)} events/s (${total} events, ${partitions} partitions, ${writes} inserts in all; best of ${list(consumers)}) ` +
        `= ${(consumerRate / raw).toFixed(2)} of raw (target >= 0.70), ${(consumerRate / writerOnly).toFixed(2)} of the writer alone`,
    );
    return {
      events: total,
      partitions,
      consumerEventsPerSec: consumerRate,
      rawInsertEventsPerSec: raw,
      consumerToRawRatio: consumerRate / raw,
      writerEventsPerSec: writerOnly,
      latencyMs,
      machine: machine(),
    };
  } finally {
    await cairn.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(`Kafka ingest benchmark on ${machine()}\n`);
  runKafkaBench().then(
    (r) => {
      process.stdout.write(JSON.stringify(r) + '\n');
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
