import { envSchema, secretVariables } from './schema.js';

type Key = keyof typeof envSchema.shape;

/**
 * One line of documentation per variable. Typed over the schema's keys, so a variable cannot
 * be added without its description; docs/configuration.md and the README table are generated
 * from this (`pnpm docs:config`) and a test keeps them in step.
 */
export const descriptions: Record<Key, string> = {
  CAIRN_PORT: 'HTTP port of the API and UI (0 picks a free port).',
  CAIRN_HOST: 'Address to listen on.',
  CAIRN_DATA_DIR: 'Where the embedded databases, the lock file and the embedded instance secret live.',
  CAIRN_PUBLIC_URL: 'The URL users reach Cairn at; shown in SDK snippets, and `https` makes cookies `Secure`.',
  CAIRN_LOG_LEVEL: 'Log level.',
  CAIRN_LOG_FORMAT: '`json`, `pretty`, or `auto` (pretty on a terminal, JSON otherwise).',
  CAIRN_SECRET_KEY: 'Instance secret (≥ 32 characters) that database passwords and encryption keys are derived from. Required with server URLs; embedded installs generate one into the data directory.',
  CAIRN_TRUST_PROXY: 'Trust `X-Forwarded-*` headers from a reverse proxy (client IPs, TLS detection).',
  CAIRN_SHUTDOWN_TIMEOUT_MS: 'How long a stop waits for in-flight requests before closing connections.',
  CAIRN_UI_DIR: 'Directory of the built UI to serve (default: `ui/build`).',
  DATABASE_URL: 'PostgreSQL server URL of the schema owner; unset = embedded PostgreSQL.',
  DATABASE_POOL_MAX: 'Maximum PostgreSQL connections per process.',
  CAIRN_EMBEDDED_PG_PORT: 'Loopback port of the embedded PostgreSQL (default: a free port).',
  CLICKHOUSE_URL: 'ClickHouse server HTTP URL (with user and password); unset = embedded chDB.',
  CLICKHOUSE_DATABASE: 'ClickHouse database holding the shared tenants\' events.',
  CAIRN_INGEST_FLUSH_MS: 'Embedded bus: longest time an event waits for its group-commit insert.',
  CAIRN_INGEST_BATCH_MAX: 'Embedded bus: most events in one group-commit insert.',
  KAFKA_BROKERS: 'Kafka / Redpanda brokers (`host:port,host:port`); set = ingestion through Kafka instead of the embedded group commit.',
  KAFKA_CLIENT_ID: 'Kafka client id of this process.',
  KAFKA_TOPIC_EVENTS: 'Topic of accepted events (created if missing).',
  KAFKA_TOPIC_DEAD_LETTER: 'Topic of messages the consumer could not accept, with the reason in headers (created if missing).',
  KAFKA_TOPIC_PARTITIONS: 'Partitions of a topic Cairn creates; an existing topic is left as it is.',
  KAFKA_TOPIC_REPLICATION_FACTOR: 'Replication factor of a topic Cairn creates (default: the broker\'s default).',
  KAFKA_CONSUMER_GROUP: 'Consumer group of the `cairn ingest` workers.',
  KAFKA_PUBLISH_TIMEOUT_MS: 'Longest wait for the brokers to acknowledge captured events before the gateway answers 503.',
  KAFKA_SESSION_TIMEOUT_MS: 'Consumer session timeout: how soon the partitions of a dead `ingest` worker move to another.',
  KAFKA_FETCH_MAX_BYTES: 'Most bytes the consumer fetches at once (per partition: a quarter of it).',
  KAFKA_SSL: 'Connect to the brokers with TLS.',
  KAFKA_SASL_MECHANISM: 'SASL mechanism (`plain`, `scram-sha-256`, `scram-sha-512`); unset = no SASL.',
  KAFKA_SASL_USERNAME: 'SASL user name.',
  KAFKA_SASL_PASSWORD: 'SASL password.',
  CAIRN_SESSION_TTL_HOURS: 'Longest life of a sign-in session, in hours.',
  CAIRN_SESSION_IDLE_HOURS: 'A session unused this many hours ends.',
  CAIRN_LOGIN_MAX_FAILURES_ACCOUNT: 'Failed sign-ins on one account within the lock window before it is locked for that window.',
  CAIRN_LOGIN_MAX_FAILURES_IP: 'Failed sign-ins from one IP address within the lock window before it is locked for that window.',
  CAIRN_LOGIN_LOCK_MINUTES: 'Failed sign-in counting window and lock duration, in minutes.',
  CAIRN_RATE_LIMIT_USER_PER_HOUR: 'API requests per user per hour (0: unlimited); over it the API answers 429 with Retry-After.',
  CAIRN_RATE_LIMIT_ORG_PER_HOUR: 'API requests per organization per hour (0: unlimited).',
  CAIRN_RATE_LIMIT_PLANS: 'Per-plan overrides as JSON, e.g. `{"enterprise":{"user":5000,"org":100000}}`.',
  CAIRN_ORG_DELETE_GRACE_HOURS: 'How long a deleted organization can be restored before its metadata and events are purged.',
  CAIRN_ORG_PURGE_INTERVAL_SECONDS: 'How often the purge of organizations past their grace period runs.',
  CAIRN_SMTP_URL: 'SMTP server for account mail (password resets), e.g. `smtp://user:pass@mail:587`; unset = links are written to the log.',
  CAIRN_SMTP_FROM: 'Sender of account mail.',
  CAIRN_QUERY_TIMEOUT_MS: 'Longest a query statement may run (ClickHouse `max_execution_time`); past it the API answers 504 QUERY_TIMEOUT.',
  CAIRN_QUERY_MAX_MEMORY_BYTES: 'Most memory one query statement may use (ClickHouse `max_memory_usage`); past it the API answers 422 QUERY_MEMORY_LIMIT.',
  CAIRN_QUERY_CACHE_ENTRIES: 'Query answers kept in memory, keyed by project, definition and data freshness (0 disables the cache).',
  CAIRN_INIT_ORG_NAME: 'Headless first start: the first organization\'s name.',
  CAIRN_INIT_PROJECT_NAME: 'Headless first start: the first project\'s name.',
  CAIRN_INIT_PROJECT_TOKEN: 'Headless first start: the project\'s public ingest token (≥ 32 characters).',
  CAIRN_INIT_USER_EMAIL: 'Headless first start: the owner\'s email.',
  CAIRN_INIT_USER_PASSWORD: 'Headless first start: the owner\'s password (≥ 12 characters).',
  CAIRN_INIT_API_KEY: 'Headless first start: a personal API key for the owner (≥ 32 characters).',
};

const defaultOf = (key: Key): string => {
  const r = envSchema.shape[key].safeParse(undefined);
  return r.success && r.data !== undefined ? `\`${String(r.data)}\`` : '';
};

/** The Markdown table of every variable, in schema order. */
export function configTable(): string {
  const secret = new Set<string>(secretVariables);
  const rows = (Object.keys(envSchema.shape) as Key[]).map(
    (k) => `| \`${k}\`${secret.has(k) ? ' (or `' + k + '_FILE`)' : ''} | ${defaultOf(k)} | ${descriptions[k]} |`,
  );
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
