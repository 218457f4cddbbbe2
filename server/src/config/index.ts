import { readFileSync } from 'node:fs';
import path from 'node:path';
import { envSchema, secretVariables, type Env } from './schema.js';

export interface InitConfig {
  orgName: string;
  projectName: string;
  projectToken: string;
  userEmail: string;
  userPassword: string;
  apiKey: string | undefined;
}

export interface Config {
  readonly env: Env;
  readonly mode: { readonly postgres: 'embedded' | 'server'; readonly clickhouse: 'embedded' | 'server' };
  readonly dataDir: string;
  readonly init: InitConfig | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type RawEnv = Record<string, string | undefined>;

function resolveFileSecrets(raw: RawEnv, problems: string[]): RawEnv {
  const out: RawEnv = { ...raw };
  for (const name of secretVariables) {
    const file = raw[`${name}_FILE`];
    if (!file) continue;
    if (raw[name]) {
      problems.push(`${name} and ${name}_FILE are both set; set only one`);
      continue;
    }
    try {
      out[name] = readFileSync(file, 'utf8').trim();
    } catch (err) {
      problems.push(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return out;
}

const initKeys = {
  orgName: 'CAIRN_INIT_ORG_NAME',
  projectName: 'CAIRN_INIT_PROJECT_NAME',
  projectToken: 'CAIRN_INIT_PROJECT_TOKEN',
  userEmail: 'CAIRN_INIT_USER_EMAIL',
  userPassword: 'CAIRN_INIT_USER_PASSWORD',
} as const;

function initConfig(env: Env, problems: string[]): InitConfig | undefined {
  const given = Object.values(initKeys).filter((k) => env[k] !== undefined);
  if (given.length === 0) {
    if (env.CAIRN_INIT_API_KEY) problems.push('CAIRN_INIT_API_KEY: needs the other CAIRN_INIT_* variables');
    return undefined;
  }
  const missing = Object.values(initKeys).filter((k) => env[k] === undefined);
  if (missing.length > 0) {
    problems.push(`${missing.join(', ')}: required when any CAIRN_INIT_* variable is set`);
    return undefined;
  }
  return {
    orgName: env.CAIRN_INIT_ORG_NAME!,
    projectName: env.CAIRN_INIT_PROJECT_NAME!,
    projectToken: env.CAIRN_INIT_PROJECT_TOKEN!,
    userEmail: env.CAIRN_INIT_USER_EMAIL!.toLowerCase(),
    userPassword: env.CAIRN_INIT_USER_PASSWORD!,
    apiKey: env.CAIRN_INIT_API_KEY,
  };
}

/**
 * Reads and validates the configuration. The only reader of `process.env` in Cairn;
 * everything else receives the frozen result.
 */
export function loadConfig(raw: RawEnv = process.env, cwd = process.cwd()): Config {
  const problems: string[] = [];
  const resolved = resolveFileSecrets(raw, problems);
  // Empty strings mean "unset": compose files commonly pass `VAR=` through.
  const present = Object.fromEntries(Object.entries(resolved).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(problems);
  }
  const env = parsed.data;
  const init = initConfig(env, problems);
  const distributed = env.DATABASE_URL !== undefined || env.CLICKHOUSE_URL !== undefined;
  if (distributed && !env.CAIRN_SECRET_KEY) {
    problems.push('CAIRN_SECRET_KEY: required when DATABASE_URL or CLICKHOUSE_URL is set (at least 32 characters)');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    env: Object.freeze(env),
    mode: Object.freeze({
      postgres: env.DATABASE_URL ? 'server' : 'embedded',
      clickhouse: env.CLICKHOUSE_URL ? 'server' : 'embedded',
    }),
    dataDir: path.resolve(cwd, env.CAIRN_DATA_DIR),
    init: init && Object.freeze(init),
  } as const);
}

/** Whether standard output is a terminal; kept here so logging never reads the process itself. */
export function isTty(): boolean {
  return process.stdout.isTTY === true;
}
