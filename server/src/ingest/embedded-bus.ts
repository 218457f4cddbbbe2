import { createHash } from 'node:crypto';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import { BusUnavailableError, type IngestBus } from './bus.js';
import type { IngestEvent } from './event.js';
import type { EventWriter } from './writer.js';

export interface EmbeddedBusOptions {
  writer: Pick<EventWriter, 'write'>;
  log: Logger;
  config?: Config;
  /** Flush after this long since the first event joined the batch (default 100 ms). */
  flushMs?: number;
  /** Flush as soon as the batch holds this many events (default 1000). */
  maxEvents?: number;
  /** Inserts that may run at once (default 2): the next batch fills while they run. */
  maxInFlight?: number;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

interface Batch {
  events: IngestEvent[];
  waiters: Waiter[];
}

/** Same events in the same order → same token, so a retried insert is folded by ClickHouse. */
export function batchToken(events: IngestEvent[]): string {
  const h = createHash('sha256');
  for (const e of events) h.update(e.uuid).update(',');
  return `embedded:${h.digest('hex')}`;
}

/**
 * Group commit: every publish joins the current batch; the batch is written every `flushMs`
 * or at `maxEvents`, one write at a time, and each publish resolves only when the insert
 * holding its events succeeded (or rejects, and the gateway answers 503).
 */
export function createEmbeddedBus(opts: EmbeddedBusOptions): IngestBus {
  const flushMs = opts.flushMs ?? opts.config?.env.CAIRN_INGEST_FLUSH_MS ?? 100;
  const maxEvents = opts.maxEvents ?? opts.config?.env.CAIRN_INGEST_BATCH_MAX ?? 1000;
  const maxInFlight = Math.max(1, opts.maxInFlight ?? 2);
  let current: Batch = { events: [], waiters: [] };
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();
  let stopped = false;

  const write = async (batch: Batch) => {
    const token = batchToken(batch.events);
    let lastErr: unknown;
    // One quick retry with the same token: a transient failure costs a few ms, not a 503.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await opts.writer.write(batch.events, { deduplicationToken: token });
        for (const w of batch.waiters) w.resolve();
        return;
      } catch (err) {
        lastErr = err;
        opts.log.warn({ err, events: batch.events.length, attempt }, 'embedded bus: insert failed');
      }
    }
    const err = new BusUnavailableError('the events could not be written', { cause: lastErr });
    for (const w of batch.waiters) w.reject(err);
  };

  // Group commit: a batch is written when it is due (its timer fired) or full. While
  // `maxInFlight` inserts run, a due batch waits and keeps growing; it is written as soon as
  // one of them finishes. Between those, a batch only fills: ClickHouse gets few, large inserts.
  let due = false;
  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (current.events.length === 0) {
      due = false;
      return Promise.resolve();
    }
    if (inFlight.size >= maxInFlight) {
      due = true;
      return Promise.race(inFlight);
    }
    due = false;
    const batch = current;
    current = { events: [], waiters: [] };
    const running: Promise<void> = write(batch).finally(() => {
      inFlight.delete(running);
      if (due || current.events.length >= maxEvents) void flush();
      else if (current.events.length > 0 && !timer) timer = setTimeout(() => void flush(), flushMs);
    });
    inFlight.add(running);
    return running;
  };

  const drain = async () => {
    while (inFlight.size > 0 || current.events.length > 0) {
      void flush();
      await Promise.all(inFlight);
    }
  };

  return {
    async start() {
      stopped = false;
    },
    publish(events) {
      if (stopped) return Promise.reject(new BusUnavailableError('ingestion is shutting down'));
      if (events.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        current.events.push(...events);
        current.waiters.push({ resolve, reject });
        if (current.events.length >= maxEvents) void flush();
        else if (!timer) timer = setTimeout(() => void flush(), flushMs);
      });
    },
    async stop() {
      stopped = true;
      await drain();
    },
  };
}
