import type { IngestEvent } from './event.js';

/**
 * Carries accepted events from the capture gateway to ClickHouse. `publish` resolves only
 * when the events are durable (embedded: inserted into ClickHouse by a group commit;
 * Kafka: acknowledged by all in-sync replicas); the gateway answers 2xx only after that.
 * It rejects with `BusUnavailableError` when it cannot accept (the gateway answers 503).
 */
export interface IngestBus {
  publish(events: IngestEvent[]): Promise<void>;
  start(): Promise<void>;
  /** Flushes what was accepted, then stops. */
  stop(): Promise<void>;
}

export class BusUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BusUnavailableError';
  }
}
