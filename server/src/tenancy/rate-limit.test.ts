import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { limitsFor } from './rate-limit.js';

describe('rate limits per plan', () => {
  it('uses the instance defaults, and a plan override where one is set', () => {
    const config = loadConfig({ CAIRN_RATE_LIMIT_PLANS: '{"enterprise":{"user":5000},"tiny":{"user":1,"org":2}}' }, '/tmp');
    expect(limitsFor(config, 'free')).toEqual({ user: 1000, org: 10_000 });
    expect(limitsFor(config, undefined)).toEqual({ user: 1000, org: 10_000 });
    expect(limitsFor(config, 'enterprise')).toEqual({ user: 5000, org: 10_000 });
    expect(limitsFor(config, 'tiny')).toEqual({ user: 1, org: 2 });
  });

  it('refuses a malformed plan table at start', () => {
    expect(() => loadConfig({ CAIRN_RATE_LIMIT_PLANS: '{"x":{"user":-1}}' }, '/tmp')).toThrow(/CAIRN_RATE_LIMIT_PLANS/);
    expect(() => loadConfig({ CAIRN_RATE_LIMIT_PLANS: 'not json' }, '/tmp')).toThrow(/CAIRN_RATE_LIMIT_PLANS/);
  });
});
