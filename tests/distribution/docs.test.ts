import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envSchema } from '../../server/src/config/schema.js';
import { chartDir, root } from './support.js';

// The install documents are what an operator follows without asking anyone: every file, chart
// value and variable they name must exist.
const docs = ['compose.md', 'kubernetes.md', 'air-gapped.md', 'upgrade.md'].map((f) => path.join(root, 'docs/install', f));
const values = parse(readFileSync(path.join(chartDir, 'values.yaml'), 'utf8'));
const envExample = readFileSync(path.join(root, 'compose/.env.example'), 'utf8');
const composeVariables = new Set([...envExample.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));

describe.each(docs)('%s', (doc) => {
  const text = readFileSync(doc, 'utf8');

  it('names only repository files that exist', () => {
    const paths = [...text.matchAll(/(?<![\w/.-])((?:compose|charts|scripts|docker|tests|docs)\/[\w./-]+\.(?:yml|yaml|sh|md|ts|json|example|txt)|images\.txt)/g)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(0);
    // compose/external-stores.yml is the override file the document itself tells you to write.
    for (const p of paths.filter((p) => p !== 'compose/external-stores.yml')) expect(existsSync(path.join(root, p)), p).toBe(true);
  });

  it('names only environment variables Cairn or the Compose file reads', () => {
    const known = new Set([...Object.keys(envSchema.shape), ...composeVariables]);
    const named = [...text.matchAll(/\b((?:CAIRN|KAFKA|CLICKHOUSE|DATABASE|POSTGRES|REDPANDA)_[A-Z0-9_]*[A-Z0-9])\b(?!_)/g)].map((m) => m[1]!);
    // Variables of the official images and <NAME>_FILE forms are not Cairn's keys.
    const foreign = new Set(['CLICKHOUSE_PASSWORD', 'CLICKHOUSE_USER', 'CLICKHOUSE_DB', 'POSTGRES_PASSWORD']);
    for (const v of named) {
      if (foreign.has(v) || v.endsWith('_FILE') || v.startsWith('CAIRN_INIT_')) continue;
      expect(known.has(v), v).toBe(true);
    }
  });

  it('names only Helm values the chart has', () => {
    const top = new Set(Object.keys(values));
    const named = [...text.matchAll(/`((?:global|image|secretKey|init|smtp|postgresql|clickhouse|redpanda|externalDatabase|externalClickhouse|externalKafka|api|ingest|ingress|metrics|networkPolicy|migrations|config)(?:\.[A-Za-z*]+)+)`/g)].map((m) => m[1]!);
    for (const dotted of named) {
      expect(top.has(dotted.split('.')[0]!), dotted).toBe(true);
      let node: any = values;
      for (const key of dotted.split('.')) {
        if (key === '*') break;
        if (node !== null && typeof node === 'object' && !(key in node) && Object.keys(node).length === 0) break; // free-form map
        expect(node && typeof node === 'object' && key in node, `${dotted} (at ${key})`).toBe(true);
        node = node[key];
      }
    }
  });
});
