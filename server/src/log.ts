import pino, { type Logger } from 'pino';
import type { Config } from './config/index.js';
import { isTty } from './config/index.js';

export type { Logger };

export function createLogger(config: Config): Logger {
  const pretty = config.env.CAIRN_LOG_FORMAT === 'pretty' || (config.env.CAIRN_LOG_FORMAT === 'auto' && isTty());
  return pino({
    level: config.env.CAIRN_LOG_LEVEL,
    base: { service: 'cairn' },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token'], censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  });
}
