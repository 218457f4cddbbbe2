/**
 * Arithmetic across trends series: letters A–T name series by position, numbers, + - * /
 * and parentheses. Parsed once into a tree (never evaluated as code); x/0 is 0.
 */
export type Formula =
  | { t: 'num'; v: number }
  | { t: 'series'; i: number }
  | { t: 'neg'; a: Formula }
  | { t: 'op'; op: '+' | '-' | '*' | '/'; a: Formula; b: Formula };

export function parseFormula(text: string): Formula {
  const tokens = text.match(/[A-T]|\d+(?:\.\d+)?|[-+*/()]/g) ?? [];
  if (tokens.join('') !== text.replace(/\s+/g, '')) throw new SyntaxError('unexpected character in formula');
  let i = 0;
  const peek = () => tokens[i];
  const expr = (): Formula => {
    let a = term();
    while (peek() === '+' || peek() === '-') {
      const op = tokens[i++] as '+' | '-';
      a = { t: 'op', op, a, b: term() };
    }
    return a;
  };
  const term = (): Formula => {
    let a = factor();
    while (peek() === '*' || peek() === '/') {
      const op = tokens[i++] as '*' | '/';
      a = { t: 'op', op, a, b: factor() };
    }
    return a;
  };
  const factor = (): Formula => {
    const tok = tokens[i++];
    if (tok === undefined) throw new SyntaxError('formula ends too early');
    if (tok === '-') return { t: 'neg', a: factor() };
    if (tok === '(') {
      const a = expr();
      if (tokens[i++] !== ')') throw new SyntaxError('missing )');
      return a;
    }
    if (/^[A-T]$/.test(tok)) return { t: 'series', i: tok.charCodeAt(0) - 65 };
    if (/^\d/.test(tok)) return { t: 'num', v: Number(tok) };
    throw new SyntaxError(`unexpected ${tok}`);
  };
  const tree = expr();
  if (i !== tokens.length) throw new SyntaxError(`unexpected ${tokens[i]}`);
  return tree;
}

export function evaluateFormula(f: Formula, series: (index: number) => number): number {
  switch (f.t) {
    case 'num':
      return f.v;
    case 'series':
      return series(f.i);
    case 'neg':
      return -evaluateFormula(f.a, series);
    case 'op': {
      const a = evaluateFormula(f.a, series);
      const b = evaluateFormula(f.b, series);
      if (f.op === '+') return a + b;
      if (f.op === '-') return a - b;
      if (f.op === '*') return a * b;
      return b === 0 ? 0 : a / b;
    }
  }
}
