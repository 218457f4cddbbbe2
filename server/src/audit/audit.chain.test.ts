import { describe, expect, it } from 'vitest';
import { auditHash, canonicalJson, firstBreak, GENESIS_HASH, type AuditRecord } from './audit.chain.js';

const base = (seq: number, prevHash: string): AuditRecord => ({
  organizationId: '00000000-0000-4000-8000-000000000001',
  seq,
  at: '2026-11-22T10:00:00.000Z',
  actorId: null,
  actorEmail: 'a@b.test',
  impersonatorId: null,
  action: 'member.invited',
  targetType: 'invitation',
  targetId: String(seq),
  ip: '127.0.0.1',
  userAgent: 'test',
  data: { b: 1, a: [1, { d: 2, c: 3 }] },
  prevHash,
});

function chain(n: number) {
  const rows: Array<AuditRecord & { hash: string }> = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const r = base(i, prev);
    const hash = auditHash(r);
    rows.push({ ...r, hash });
    prev = hash;
  }
  return rows;
}

describe('audit hash chain', () => {
  it('canonicalises key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 1, c: 2 } })).toBe(canonicalJson({ a: { c: 2, d: 1 }, b: 1 }));
  });

  it('verifies an intact chain', () => {
    expect(firstBreak(chain(5))).toBeUndefined();
  });

  it('finds an altered row, a removed row and a relinked row', () => {
    const altered = chain(5);
    altered[2]!.targetId = 'tampered';
    expect(firstBreak(altered)).toEqual({ seq: 3, reason: 'hash_mismatch' });

    const removed = chain(5);
    removed.splice(1, 1);
    expect(firstBreak(removed)).toEqual({ seq: 2, reason: 'missing_row' });

    const relinked = chain(5);
    relinked[3]!.prevHash = GENESIS_HASH;
    expect(firstBreak(relinked)).toEqual({ seq: 4, reason: 'broken_link' });
  });
});
