/**
 * `pnpm bench:ingest`: the ingestion benchmark (not a test), printing every figure of
 * docs/performance.md (ingestion section) in one run on this machine.
 */
import { runEmbeddedBench } from './embedded.js';

const print = (line: string) => console.log(line);

print('== embedded ingestion (group commit into chDB) ==');
await runEmbeddedBench(print);

// ── Kafka: consumer rate vs a raw ClickHouse insert, capture → queryable via Kafka ─────────
// Owned by the Kafka engineer (bench/ingest/kafka-consumer.ts exports runKafkaBench).
// Skipped with BENCH_KAFKA=0, or when that module is absent.
if (process.env.BENCH_KAFKA !== '0') {
  let kafka: { runKafkaBench(opts: { print?: (line: string) => void }): Promise<unknown> } | undefined;
  try {
    kafka = await import('./kafka-consumer.js');
  } catch (err) {
    print(`(Kafka benchmark not available: ${(err as Error).message})`);
  }
  if (kafka) {
    print('== Kafka ingestion ==');
    await kafka.runKafkaBench({ print });
  }
}
// ── end of the Kafka part ───────────────────────────────────────────────────────────────────
