import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import type { Config } from '../../config/index.js';
import type { Logger } from '../../log.js';
import { BusUnavailableError, type IngestBus } from '../bus.js';
import type { IngestEvent } from '../event.js';
import { createKafka, topicsOf, withAdmin } from './kafka.client.js';
import { encodeEvent } from './message.codec.js';
import { ensureTopics } from './topics.ensure.js';

export interface KafkaBusOptions {
  config: Config;
  log: Logger;
}

/** One produce request carries at most this much (a single larger message still goes alone). */
const SEND_MAX_BYTES = 900 * 1024;

interface Request {
  remaining: number;
  settled: boolean;
  resolve(): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

interface Entry {
  message: Message;
  bytes: number;
  request: Request;
}

/**
 * The Kafka (Redpanda) bus of the capture gateway. An idempotent producer with acks=all; a
 * publish resolves only after the broker acknowledged every one of its events, and rejects
 * with BusUnavailableError after KAFKA_PUBLISH_TIMEOUT_MS at the latest, so the gateway
 * answers 503 and never acknowledges an event that was not written.
 *
 * Publishes are group-committed: one produce request is in flight at a time and every event
 * that arrives meanwhile joins the next one. That keeps one user's events in order (one
 * partition per key, one request at a time) and keeps the idempotent producer's sequence
 * numbers simple. After any failure the producer is replaced (new producer id), so a request
 * the broker may or may not have written cannot desynchronise the next one.
 *
 * An event whose publish timed out may still be written by a request already in flight:
 * that is at-least-once, and the events table folds the copies by uuid.
 */
export function createKafkaBus(opts: KafkaBusOptions): IngestBus {
  const { config, log } = opts;
  const timeoutMs = config.env.KAFKA_PUBLISH_TIMEOUT_MS;
  const topics = topicsOf(config);
  const kafka: Kafka = createKafka(config, log, '-gateway');
  let producer: Producer | undefined;
  let connecting: Promise<Producer> | undefined;
  let queue: Entry[] = [];
  let sending: Promise<void> | undefined;
  let stopped = false;

  const settle = (r: Request, err?: Error) => {
    if (r.settled) return;
    r.settled = true;
    clearTimeout(r.timer);
    if (err) {
      // Events of a failed request that are not yet handed to the broker are never sent.
      queue = queue.filter((e) => e.request !== r);
      r.reject(err);
    } else r.resolve();
  };

  const connect = (): Promise<Producer> => {
    if (producer) return Promise.resolve(producer);
    connecting ??= (async () => {
      const p = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // murmur2 of the key, as the Java client: the same key lands in the same partition from any producer.
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      try {
        await p.connect();
      } catch (err) {
        await p.disconnect().catch(() => {});
        throw err;
      }
      producer = p;
      return p;
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  const dropProducer = () => {
    const p = producer;
    producer = undefined;
    void p?.disconnect().catch(() => {});
  };

  const withDeadline = <T>(p: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no acknowledgement within ${timeoutMs} ms`)), timeoutMs);
    });
    p.catch(() => {}); // abandoned after the deadline: its failure is already handled
    return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
  };

  const takeBatch = (): Entry[] => {
    const batch: Entry[] = [];
    let bytes = 0;
    while (queue.length > 0) {
      const next = queue[0]!;
      if (batch.length > 0 && bytes + next.bytes > SEND_MAX_BYTES) break;
      batch.push(queue.shift()!);
      bytes += next.bytes;
    }
    return batch;
  };

  const sendLoop = async () => {
    while (queue.length > 0) {
      const batch = takeBatch();
      try {
        await withDeadline(
          (async () => {
            const p = await connect();
            await p.send({ topic: topics.events, acks: -1, timeout: timeoutMs, messages: batch.map((e) => e.message) });
          })(),
        );
        for (const e of batch) {
          e.request.remaining -= 1;
          if (e.request.remaining === 0) settle(e.request);
        }
      } catch (err) {
        log.warn({ err, events: batch.length }, 'kafka bus: publish failed');
        dropProducer();
        const failure = new BusUnavailableError('Kafka is unavailable: the events were not acknowledged', { cause: err });
        for (const r of new Set(batch.map((e) => e.request))) settle(r, failure);
      }
    }
  };

  const kick = () => {
    sending ??= sendLoop().finally(() => {
      sending = undefined;
      if (queue.length > 0) kick();
    });
  };

  return {
    async start() {
      stopped = false;
      await withAdmin(kafka, config, (admin) => ensureTopics(admin, topics, log));
      await connect();
      log.info({ brokers: config.env.KAFKA_BROKERS, topic: topics.events }, 'kafka bus: producing');
    },
    publish(events: IngestEvent[]) {
      if (stopped) return Promise.reject(new BusUnavailableError('ingestion is shutting down'));
      if (events.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const request: Request = { remaining: events.length, settled: false, resolve, reject, timer: undefined! };
        request.timer = setTimeout(
          () => settle(request, new BusUnavailableError(`Kafka did not acknowledge the events within ${timeoutMs} ms`)),
          timeoutMs,
        );
        for (const e of events) {
          const message = encodeEvent(e);
          queue.push({ message, bytes: Buffer.byteLength(message.value) + 200, request });
        }
        kick();
      });
    },
    async stop() {
      stopped = true;
      // Let what was accepted reach the broker (each request is bounded by its own deadline).
      while (sending) await sending;
      await connecting?.catch(() => {});
      const p = producer;
      producer = undefined;
      await p?.disconnect().catch((err) => log.warn({ err }, 'kafka bus: disconnect failed'));
    },
  };
}
