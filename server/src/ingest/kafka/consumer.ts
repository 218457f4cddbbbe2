import { Partitioners, type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import type { Config } from '../../config/index.js';
import type { Logger } from '../../log.js';
import type { DeadLetter, IngestEvent } from '../event.js';
import type { EventWriter } from '../writer.js';
import { createCoalescingWriter } from './batch.coalesce.js';
import type { ConsumerMetrics } from './consumer.metrics.js';
import { createKafka, topicsOf, withAdmin } from './kafka.client.js';
import { createOffsetTracker } from './offsets.track.js';
import { HEADER, deadLetterOf, decodeEvent, type Tenant } from './message.codec.js';
import { ensureTopics } from './topics.ensure.js';

export interface KafkaConsumerOptions {
  config: Config;
  log: Logger;
  writer: EventWriter;
  /** Called when the consumer could not be rebuilt after repeated crashes (the process should exit and be restarted). */
  onFatal?(err: Error): void;
  metrics?: ConsumerMetrics;
}

export interface KafkaIngestConsumer {
  start(): Promise<void>;
  /** True while the consumer is a member of its group and has not given up. */
  ready(): boolean;
  /** Fetches nothing more, lets the batches in hand be inserted and committed, then leaves the group. */
  stop(): Promise<void>;
}

/**
 * The insert-deduplication token of one partition's batch: a retry of the same offsets is
 * folded by ClickHouse. A replay after a crash may cut the offsets differently; then the
 * events table's dedup on uuid (read with FINAL) folds the copies.
 */
export const batchToken = (topic: string, partition: number, first: string, last: string) =>
  `kafka:${topic}:${partition}:${first}-${last}`;

class Stopping extends Error {
  constructor() {
    super('the consumer is stopping: the batch is left uncommitted and will be consumed again');
    this.name = 'Stopping';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Poison {
  message: KafkaMessage;
  reason: string;
  detail: string;
  tenant?: Tenant;
}

/**
 * `cairn ingest`: consumes the events topic in batches (the partitions of a fetch side by
 * side, joined into one insert), writes the valid events through the EventWriter with a
 * token derived from the offsets, sends undecodable messages to the dead-letter topic and
 * table, and commits a partition's offsets only after every batch up to them was written.
 * A failing insert is retried with backoff, never skipped: the partition's commits wait
 * until ClickHouse is back (the group keeps its heartbeat meanwhile).
 */
export function createKafkaConsumer(opts: KafkaConsumerOptions): KafkaIngestConsumer {
  const { config, log, writer } = opts;
  const topics = topicsOf(config);
  const kafka: Kafka = createKafka(config, log, '-ingest');
  const fetchMax = config.env.KAFKA_FETCH_MAX_BYTES;
  // The partitions of one fetch are handled concurrently and their events written together.
  const grouped = createCoalescingWriter(writer);
  const concurrency = Math.min(32, Math.max(1, config.env.KAFKA_TOPIC_PARTITIONS));
  const offsetTracker = createOffsetTracker();
  // Events decoded and handed to the writer but not yet written: about one fetch ahead.
  const maxInFlightEvents = 50_000;
  let consumer: Consumer | undefined;
  let joined = false;
  let producer: Producer | undefined;
  let stopping = false;

  /** Runs `fn` until it succeeds; between attempts keeps the group membership alive. */
  const untilDone = async (what: string, fn: () => Promise<void>, p: EachBatchPayload) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await fn();
        return;
      } catch (err) {
        // A stop lets the batch in hand finish, but does not wait out a failing database.
        if (stopping || !p.isRunning() || p.isStale()) throw new Stopping();
        const wait = Math.min(5000, 200 * 2 ** Math.min(attempt, 5));
        log.warn({ err, what, attempt, retryInMs: wait, topic: p.batch.topic, partition: p.batch.partition }, 'kafka consumer: write failed, retrying');
        await sleep(wait);
        await p.heartbeat().catch(() => {});
      }
    }
  };

  const deadLetterTopic = async (topic: string, partition: number, poison: Poison[]) => {
    await producer!.send({
      topic: topics.deadLetter,
      acks: -1,
      messages: poison.map(({ message, reason, detail }) => ({
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          [HEADER.reason]: reason,
          [HEADER.detail]: detail.slice(0, 1000),
          [HEADER.sourceTopic]: topic,
          [HEADER.sourcePartition]: String(partition),
          [HEADER.sourceOffset]: message.offset,
        },
      })),
    });
  };

  /** Writes until it succeeds; gives up (uncommitted, to be replayed) only when stopping. */
  const writeUntilDone = async (events: IngestEvent[], token: string, where: { partition: number }) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await grouped.write(events, token);
        return;
      } catch (err) {
        if (stopping) throw new Stopping();
        const wait = Math.min(5000, 200 * 2 ** Math.min(attempt, 5));
        log.warn({ err, attempt, retryInMs: wait, partition: where.partition }, 'kafka consumer: insert failed, retrying');
        opts.metrics?.insertFailure();
        await sleep(wait);
      }
    }
  };

  // Commits run one at a time, each taking every offset that became committable.
  let commitChain: Promise<void> = Promise.resolve();
  const commitReady = () => {
    commitChain = commitChain.then(async () => {
      const offsets = offsetTracker.ready();
      if (offsets.length === 0 || !consumer) return;
      try {
        await consumer.commitOffsets(offsets);
        offsetTracker.committed(offsets);
        for (const o of offsets) log.debug({ partition: o.partition, offset: o.offset }, 'kafka consumer: batch committed');
      } catch (err) {
        // Offered again with the next commit; until then a crash replays (and dedup folds) them.
        log.warn({ err }, 'kafka consumer: commit failed');
        opts.metrics?.commitFailure();
      }
    });
    return commitChain;
  };

  const inFlight = new Set<Promise<void>>();
  let inFlightEvents = 0;
  let handling = 0;

  const eachBatch = async (p: EachBatchPayload) => {
    const { batch } = p;
    if (batch.isEmpty()) return;
    handling++;
    try {
      const first = batch.messages[0]!.offset;
      const last = batch.messages[batch.messages.length - 1]!.offset;
      const receivedAt = new Date().toISOString();
      const events: IngestEvent[] = [];
      const poison: Poison[] = [];
      for (const message of batch.messages) {
        const d = decodeEvent(message.value);
        if (d.ok) events.push(d.event);
        else poison.push({ message, reason: d.reason, detail: d.detail, tenant: d.tenant });
      }
      if (poison.length > 0) {
        const rows: DeadLetter[] = poison.map((x) => deadLetterOf(x.message, x, receivedAt));
        await untilDone('dead-letter topic', () => deadLetterTopic(batch.topic, batch.partition, poison), p);
        await untilDone('dead-letter table', () => writer.writeDeadLetters(rows), p);
        log.warn({ partition: batch.partition, count: poison.length, reasons: [...new Set(poison.map((x) => x.reason))] }, 'kafka consumer: dead-lettered messages');
        for (const x of poison) opts.metrics?.deadLetters(x.reason, 1);
      }
      // The next fetch of this partition may start while these events are written: the offsets
      // are resolved now but committed only once this batch and every earlier one are written.
      const written = offsetTracker.add(batch.topic, batch.partition, last);
      p.resolveOffset(last);
      const token = batchToken(batch.topic, batch.partition, first, last);
      const size = events.length;
      inFlightEvents += size;
      const work = (size > 0 ? writeUntilDone(events, token, batch) : Promise.resolve())
        .then(() => {
          log.debug({ partition: batch.partition, first, last, events: size }, 'kafka consumer: batch inserted');
          opts.metrics?.events(size);
          written();
          return commitReady();
        })
        .catch((err) => log.warn({ err, partition: batch.partition, first, last }, 'kafka consumer: batch left uncommitted'))
        .finally(() => {
          inFlightEvents -= size;
          inFlight.delete(work);
        });
      inFlight.add(work);
      // Back-pressure: fetch ahead by at most about one more round of batches.
      while (inFlightEvents > maxInFlightEvents && inFlight.size > 0) await Promise.race(inFlight);
      await p.heartbeat().catch(() => {});
    } finally {
      handling--;
    }
  };

  const runConsumer = async () => {
    const c = kafka.consumer({
      groupId: config.env.KAFKA_CONSUMER_GROUP,
      sessionTimeout: config.env.KAFKA_SESSION_TIMEOUT_MS,
      heartbeatInterval: Math.max(500, Math.floor(config.env.KAFKA_SESSION_TIMEOUT_MS / 10)),
      maxBytes: fetchMax,
      maxBytesPerPartition: Math.max(65_536, Math.floor(fetchMax / 4)),
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 300, retries: 10, restartOnFailure: async () => true },
    });
    consumer = c;
    c.on(c.events.GROUP_JOIN, () => {
      joined = true;
      failedRestarts = 0;
    });
    c.on(c.events.CRASH, ({ payload }) => {
      joined = false;
      if (payload.restart) {
        log.warn({ err: payload.error }, 'kafka consumer: crashed, kafkajs restarts it');
        return;
      }
      // kafkajs gives up on errors it deems non-retriable, some of which are passing (no group
      // coordinator yet while a restarted broker loads its offsets topic). The events are safe
      // in Kafka; a consumer that stays down only stops them reaching ClickHouse. So rebuild it.
      log.error({ err: payload.error }, 'kafka consumer: kafkajs gave up; rebuilding the consumer');
      restartLater(payload.error);
    });
    await c.connect();
    await c.subscribe({ topics: [topics.events], fromBeginning: true });
    await c.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: concurrency, eachBatch });
  };

  // Rebuilds after kafkajs gave up, with capped exponential backoff. Only after MAX_RESTARTS
  // rebuilds in a row that never rejoined the group is the process told (it should exit and be
  // restarted by its supervisor); /readyz reports not ready all the while.
  const MAX_RESTARTS = 10;
  let failedRestarts = 0;
  let closing = false;
  let restartTimer: NodeJS.Timeout | undefined;
  const restartLater = (cause: Error) => {
    if (closing || restartTimer) return;
    if (failedRestarts >= MAX_RESTARTS) {
      log.error({ err: cause, attempts: failedRestarts }, 'kafka consumer: stopped for good');
      opts.onFatal?.(cause);
      return;
    }
    const wait = Math.min(30_000, 500 * 2 ** failedRestarts);
    failedRestarts++;
    restartTimer = setTimeout(async () => {
      restartTimer = undefined;
      if (closing) return;
      await consumer?.disconnect().catch(() => {});
      try {
        await runConsumer();
        log.info({ attempt: failedRestarts }, 'kafka consumer: rebuilt');
      } catch (err) {
        log.warn({ err, attempt: failedRestarts }, 'kafka consumer: rebuild failed');
        restartLater(err as Error);
      }
    }, wait);
  };

  return {
    ready: () => joined && consumer !== undefined,
    async start() {
      stopping = false;
      closing = false;
      await withAdmin(kafka, config, (admin) => ensureTopics(admin, topics, log));
      producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      await runConsumer();
      log.info({ topic: topics.events, group: config.env.KAFKA_CONSUMER_GROUP }, 'kafka consumer: consuming');
    },
    async stop() {
      closing = true;
      clearTimeout(restartTimer);
      restartTimer = undefined;
      const c = consumer;
      if (!c) return;
      // Fetch nothing more; let the batches in hand be written and committed; then leave.
      c.pause([{ topic: topics.events }]);
      const until = Date.now() + config.env.CAIRN_SHUTDOWN_TIMEOUT_MS;
      while ((handling > 0 || inFlight.size > 0) && Date.now() < until) {
        await Promise.race([sleep(50), ...inFlight]);
      }
      stopping = true;
      await commitReady();
      await c.disconnect().catch((err) => log.warn({ err }, 'kafka consumer: disconnect failed'));
      await producer?.disconnect().catch((err) => log.warn({ err }, 'kafka consumer: producer disconnect failed'));
      consumer = undefined;
      producer = undefined;
      joined = false;
    },
  };
}
