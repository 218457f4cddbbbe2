import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535); // 0: any free port
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const url = (protocols: string[]) =>
  z
    .string()
    .url()
    .refine((v) => protocols.includes(new URL(v).protocol), {
      message: `must be a ${protocols.map((p) => p.replace(':', '://')).join(' or ')} URL`,
    });
const initSecret = z.string().min(32, 'must be at least 32 characters');
const kafkaTopic = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'must be a Kafka topic name');

/**
 * Every environment variable Cairn reads, with its default. This object is the single
 * source of truth: docs/configuration.md and compose/.env.example list the same keys.
 */
export const envSchema = z.object({
  CAIRN_PORT: port.default(8000),
  CAIRN_HOST: z.string().min(1).default('0.0.0.0'),
  CAIRN_DATA_DIR: z.string().min(1).default('./data'),
  CAIRN_PUBLIC_URL: url(['http:', 'https:']).optional(),
  CAIRN_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CAIRN_LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  CAIRN_SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  CAIRN_TRUST_PROXY: bool.default(false),
  CAIRN_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(15_000),
  CAIRN_UI_DIR: z.string().min(1).optional(),

  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(500).default(10),
  CAIRN_EMBEDDED_PG_PORT: port.optional(),

  CLICKHOUSE_URL: url(['http:', 'https:']).optional(),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case identifier')
    .default('cairn'),

  /** Embedded ingestion bus: flush a group commit this long after its first event … */
  CAIRN_INGEST_FLUSH_MS: z.coerce.number().int().min(1).max(10_000).default(100),
  /** … or as soon as it holds this many events. */
  CAIRN_INGEST_BATCH_MAX: z.coerce.number().int().min(1).max(1_000_000).default(1000),

  /** Kafka / Redpanda ingestion bus: set to switch from the embedded group commit. */
  KAFKA_BROKERS: z
    .string()
    .transform((v) => v.split(',').map((b) => b.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'must be a comma-separated list of host:port')).min(1))
    .optional(),
  KAFKA_CLIENT_ID: z.string().min(1).max(200).default('cairn'),
  KAFKA_TOPIC_EVENTS: kafkaTopic.default('cairn_events'),
  KAFKA_TOPIC_DEAD_LETTER: kafkaTopic.default('cairn_events_dead_letter'),
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(10_000).default(12),
  KAFKA_TOPIC_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(100).optional(),
  KAFKA_CONSUMER_GROUP: z.string().min(1).max(200).default('cairn-ingest'),
  KAFKA_PUBLISH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  KAFKA_FETCH_MAX_BYTES: z.coerce.number().int().min(65_536).max(1_073_741_824).default(32 * 1024 * 1024),
  KAFKA_SSL: bool.default(false),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),

  CAIRN_SESSION_TTL_HOURS: z.coerce.number().min(0.01).max(24 * 365).default(336),
  CAIRN_SESSION_IDLE_HOURS: z.coerce.number().min(0.01).max(24 * 365).default(72),
  CAIRN_LOGIN_MAX_FAILURES_ACCOUNT: z.coerce.number().int().min(1).max(1000).default(5),
  CAIRN_LOGIN_MAX_FAILURES_IP: z.coerce.number().int().min(1).max(100_000).default(30),
  CAIRN_LOGIN_LOCK_MINUTES: z.coerce.number().min(0.1).max(24 * 60).default(15),
  CAIRN_RATE_LIMIT_USER_PER_HOUR: z.coerce.number().int().min(0).default(1000),
  CAIRN_RATE_LIMIT_ORG_PER_HOUR: z.coerce.number().int().min(0).default(10_000),
  CAIRN_RATE_LIMIT_PLANS: z
    .string()
    .transform((v, ctx) => {
      try {
        return z
          .record(z.string(), z.object({ user: z.number().int().min(0).optional(), org: z.number().int().min(0).optional() }))
          .parse(JSON.parse(v));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON like {"enterprise":{"user":5000,"org":100000}}' });
        return z.NEVER;
      }
    })
    .optional(),
  CAIRN_ORG_DELETE_GRACE_HOURS: z.coerce.number().min(0).max(24 * 365).default(720),
  CAIRN_ORG_PURGE_INTERVAL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(600),
  CAIRN_SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  CAIRN_SMTP_FROM: z.string().min(3).max(320).default('Cairn <cairn@localhost>'),
  CAIRN_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  CAIRN_QUERY_MAX_MEMORY_BYTES: z.coerce.number().int().min(1_048_576).default(2 * 1024 ** 3),
  CAIRN_QUERY_CACHE_ENTRIES: z.coerce.number().int().min(0).max(1_000_000).default(1000),
  CAIRN_INIT_ORG_NAME: z.string().min(1).max(200).optional(),
  CAIRN_INIT_PROJECT_NAME: z.string().min(1).max(200).optional(),
  CAIRN_INIT_PROJECT_TOKEN: initSecret.optional(),
  CAIRN_INIT_USER_EMAIL: z.string().email().optional(),
  CAIRN_INIT_USER_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  CAIRN_INIT_API_KEY: initSecret.optional(),
});

/** Variables that may instead be given as `<NAME>_FILE`, a path to a file holding the value. */
export const secretVariables = [
  'CAIRN_SECRET_KEY',
  'DATABASE_URL',
  'CLICKHOUSE_URL',
  'CAIRN_INIT_PROJECT_TOKEN',
  'CAIRN_INIT_USER_PASSWORD',
  'CAIRN_INIT_API_KEY',
  'CAIRN_SMTP_URL',
  'KAFKA_SASL_PASSWORD',
] as const;

export type Env = z.infer<typeof envSchema>;
