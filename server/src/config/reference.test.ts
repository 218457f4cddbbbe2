import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configDoc, configDocPath, readmePath, readmeWithTable } from './docs.js';
import { descriptions } from './reference.js';
import { envSchema } from './schema.js';

describe('configuration reference', () => {
  it('describes exactly the variables of the schema', () => {
    expect(Object.keys(descriptions).sort()).toEqual(Object.keys(envSchema.shape).sort());
    for (const text of Object.values(descriptions)) expect(text.length).toBeGreaterThan(5);
  });

  it('is what docs/configuration.md and the README say (run `pnpm docs:config` after changing it)', () => {
    expect(readFileSync(configDocPath, 'utf8')).toBe(configDoc());
    const readme = readFileSync(readmePath, 'utf8');
    expect(readme).toBe(readmeWithTable(readme));
  });
});
