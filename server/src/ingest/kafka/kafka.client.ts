import { Kafka, logLevel, type Admin, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Config } from '../../config/index.js';
import type { Logger } from '../../log.js';

/** The topics Cairn uses, from configuration. */
export interface KafkaTopics {
  events: string;
  deadLetter: string;
  partitions: number;
  /** Unset: the broker's default replication factor. */
  replicationFactor: number | undefined;
}

export const topicsOf = (config: Config): KafkaTopics => ({
  events: config.env.KAFKA_TOPIC_EVENTS,
  deadLetter: config.env.KAFKA_TOPIC_DEAD_LETTER,
  partitions: config.env.KAFKA_TOPIC_PARTITIONS,
  replicationFactor: config.env.KAFKA_TOPIC_REPLICATION_FACTOR,
});

export class KafkaConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KafkaConfigError';
  }
}

function sasl(config: Config): SASLOptions | undefined {
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = config.env;
  if (!mechanism) return undefined;
  if (!username || !password) throw new KafkaConfigError('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with KAFKA_SASL_MECHANISM');
  return { mechanism, username, password } as SASLOptions;
}

const levelName: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * kafkajs logs through Cairn's logger, one level down: it reports every reconnect attempt
 * as an error, which during a broker restart is expected noise, not an incident.
 */
function logCreator(log: Logger) {
  const child = log.child({ component: 'kafkajs' });
  return () =>
    ({ level, log: entry }: LogEntry) => {
      const { message, timestamp: _t, logger: _l, ...rest } = entry as Record<string, unknown> & { message: string };
      const name = levelName[level] ?? 'info';
      const down = name === 'error' ? 'warn' : name === 'warn' ? 'info' : 'debug';
      child[down](rest, String(message));
    };
}

/** A kafkajs client from configuration. Connections and retries are short: callers bound their own waits. */
export function createKafka(config: Config, log: Logger, clientSuffix = ''): Kafka {
  const brokers = config.env.KAFKA_BROKERS;
  if (!brokers || brokers.length === 0) throw new KafkaConfigError('KAFKA_BROKERS is not set');
  return new Kafka({
    brokers,
    clientId: config.env.KAFKA_CLIENT_ID + clientSuffix,
    ssl: config.env.KAFKA_SSL,
    sasl: sasl(config),
    connectionTimeout: 2000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 5 },
    logLevel: logLevel.INFO,
    logCreator: logCreator(log),
  });
}

export class KafkaUnavailableError extends Error {
  constructor(brokers: string[] | undefined, cause: unknown) {
    super(`Kafka is not reachable at ${(brokers ?? []).join(',') || '(no KAFKA_BROKERS)'}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'KafkaUnavailableError';
  }
}

/** Connects an admin client, runs `fn`, disconnects; a broker that cannot be reached is named in the error. */
export async function withAdmin<T>(kafka: Kafka, config: Config, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (err) {
    throw new KafkaUnavailableError(config.env.KAFKA_BROKERS, err);
  }
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
