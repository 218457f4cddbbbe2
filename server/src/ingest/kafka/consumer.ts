import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Config } from '../../config/index.js';
import type { Logger } from '../../log.js';
import type { DeadLetter, IngestEvent } from '../event.js';
import type { EventWriter } from '../writer.js';
import { createCoalescingWriter } from './batch.coalesce.js';
import { createKafka, topicsOf } from './kafka.client.js';
import { HEADER, deadLetterOf, decodeEvent, type Tenant } from './message.codec.js';
import { ensureTopics } from './topics.ensure.js';

export interface KafkaConsumerOptions {
  config: Config;
  log: Logger;
  writer: EventWriter;
  /** Called when the consumer stopped for good (the process should exit and be restarted). */
  onFatal?(err: Error): void;
}

export interface KafkaIngestConsumer {
  start(): Promise<void>;
  /** Finishes the batch in hand (insert and commit), then leaves the group. */
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
 * side), writes the valid events through the EventWriter with a token derived from the
 * offsets (the batches of several partitions joined into one insert),
 * sends undecodable messages to the dead-letter topic and table, and commits a batch's
 * offsets only after all of that succeeded. A failing write is retried with backoff, never
 * skipped: the partition waits (and the group keeps its heartbeat) until ClickHouse is back.
 */
export function createKafkaConsumer(opts: KafkaConsumerOptions): KafkaIngestConsumer {
  const { config, log, writer } = opts;
  const topics = topicsOf(config);
  const kafka: Kafka = createKafka(config, log, '-ingest');
  const fetchMax = config.env.KAFKA_FETCH_MAX_BYTES;
  // The partitions of one fetch are handled concurrently and their events written together.
  const grouped = createCoalescingWriter(writer);
  const concurrency = Math.min(32, Math.max(1, config.env.KAFKA_TOPIC_PARTITIONS));
  let consumer: Consumer | undefined;
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

  const eachBatch = async (p: EachBatchPayload) => {
    const { batch } = p;
    if (batch.isEmpty()) return;
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
    }
    const token = batchToken(batch.topic, batch.partition, first, last);
    await untilDone('events', () => (events.length > 0 ? grouped.write(events, token) : Promise.resolve()), p);
    log.debug({ partition: batch.partition, first, last, events: events.length }, 'kafka consumer: batch inserted');
    // Committed only now: a crash before this line replays the batch, and the token / uuid dedup folds it.
    await consumer!.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
    p.resolveOffset(last);
    log.debug({ partition: batch.partition, offset: last }, 'kafka consumer: batch committed');
    await p.heartbeat().catch(() => {});
  };

  return {
    async start() {
      stopping = false;
      const admin = kafka.admin();
      await admin.connect();
      try {
        await ensureTopics(admin, topics, log);
      } finally {
        await admin.disconnect();
      }
      producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
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
      c.on(c.events.CRASH, ({ payload }) => {
        if (payload.restart) {
          log.warn({ err: payload.error }, 'kafka consumer: crashed, restarting');
          return;
        }
        log.error({ err: payload.error }, 'kafka consumer: stopped for good');
        opts.onFatal?.(payload.error);
      });
      await c.connect();
      await c.subscribe({ topics: [topics.events], fromBeginning: true });
      await c.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: concurrency, eachBatch });
      log.info({ topic: topics.events, group: config.env.KAFKA_CONSUMER_GROUP }, 'kafka consumer: consuming');
    },
    async stop() {
      stopping = true;
      // disconnect() waits for the batch in hand; a batch still retrying its write gives up uncommitted.
      await consumer?.disconnect().catch((err) => log.warn({ err }, 'kafka consumer: disconnect failed'));
      await producer?.disconnect().catch((err) => log.warn({ err }, 'kafka consumer: producer disconnect failed'));
      consumer = undefined;
      producer = undefined;
    },
  };
}
