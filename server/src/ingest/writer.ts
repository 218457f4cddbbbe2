import type { Logger } from '../log.js';
import type { TenantStores } from '../tenancy/stores.js';
import type { DeadLetter, IngestEvent } from './event.js';

export interface EventWriterDeps {
  tenants: TenantStores;
  log: Logger;
}

export interface EventWriter {
  /**
   * Resolves persons, fills the common columns and inserts the events into `events`.
   * Resolves only when ClickHouse accepted the insert. `deduplicationToken` must be the same
   * when the same batch is retried (e.g. derived from topic/partition/offset range).
   */
  write(events: IngestEvent[], opts: { deduplicationToken: string }): Promise<void>;
  /** Inserts rejected items into the dead-letter table. */
  writeDeadLetters(rows: DeadLetter[]): Promise<void>;
}

/** The one writer every bus (embedded group commit, Kafka consumer) hands its batches to. */
export function createEventWriter(deps: EventWriterDeps): EventWriter {
  void deps;
  return {
    async write() {
      throw new Error('not implemented yet');
    },
    async writeDeadLetters() {
      throw new Error('not implemented yet');
    },
  };
}
