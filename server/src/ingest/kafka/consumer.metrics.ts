import { Counter, type Registry } from 'prom-client';

/** What a `cairn ingest` worker reports on /metrics besides the process defaults. */
export interface ConsumerMetrics {
  events(n: number): void;
  deadLetters(reason: string, n: number): void;
  insertFailure(): void;
  commitFailure(): void;
}

export function consumerMetrics(registry: Registry): ConsumerMetrics {
  const events = new Counter({ name: 'cairn_kafka_consumed_events_total', help: 'Events written to ClickHouse by this consumer', registers: [registry] });
  const dead = new Counter({
    name: 'cairn_kafka_dead_letters_total',
    help: 'Messages sent to the dead-letter topic and table, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const insertFailures = new Counter({ name: 'cairn_kafka_insert_failures_total', help: 'Failed inserts (each is retried)', registers: [registry] });
  const commitFailures = new Counter({ name: 'cairn_kafka_commit_failures_total', help: 'Failed offset commits (offered again)', registers: [registry] });
  return {
    events: (n) => events.inc(n),
    deadLetters: (reason, n) => dead.inc({ reason }, n),
    insertFailure: () => insertFailures.inc(),
    commitFailure: () => commitFailures.inc(),
  };
}
