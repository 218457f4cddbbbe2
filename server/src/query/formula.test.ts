import { describe, expect, it } from 'vitest';
import { evaluateFormula, parseFormula } from './formula.js';

describe('formulas across series', () => {
  const series = [10, 4, 0];
  const run = (f: string) => evaluateFormula(parseFormula(f), (i) => series[i] ?? 0);
  it('follows precedence and parentheses', () => {
    expect(run('A/B*100')).toBe(250);
    expect(run('A+B*2')).toBe(18);
    expect(run('(A+B)*2')).toBe(28);
    expect(run('-A + 1.5')).toBe(-8.5);
  });
  it('treats division by zero as zero', () => expect(run('A/C')).toBe(0));
  it('rejects anything that is not arithmetic', () => {
    expect(() => parseFormula('A/')).toThrow(SyntaxError);
    expect(() => parseFormula('(A')).toThrow(SyntaxError);
    expect(() => parseFormula('A B')).toThrow(SyntaxError);
    expect(() => parseFormula('process.exit()')).toThrow(SyntaxError);
  });
});
