/**
 * Compose variable interpolation, as `docker compose` does it for the file's values:
 * $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, defaults that
 * nest further ${…}, and $$ for a literal dollar.
 */
export class InterpolationError extends Error {}

export function interpolate(text: string, env: Record<string, string | undefined>): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch !== '$') {
      out += ch;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const end = closingBrace(text, i + 2);
      out += expand(text.slice(i + 2, end), env);
      i = end + 1;
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
      if (!m) {
        out += '$';
        i++;
        continue;
      }
      out += env[m[0]] ?? '';
      i += 1 + m[0].length;
    }
  }
  return out;
}

function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let j = from; j < text.length; j++) {
    if (text[j] === '{') depth++;
    else if (text[j] === '}' && --depth === 0) return j;
  }
  throw new InterpolationError(`unclosed \${ in ${text}`);
}

function expand(expr: string, env: Record<string, string | undefined>): string {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([\s\S]*))?$/.exec(expr);
  if (!m) throw new InterpolationError(`invalid interpolation \${${expr}}`);
  const [, name, colon, op, arg = ''] = m;
  const value = env[name!];
  const unset = colon ? value === undefined || value === '' : value === undefined;
  if (!op) return value ?? '';
  if (op === '-') return unset ? interpolate(arg, env) : value!;
  if (op === '+') return unset ? '' : interpolate(arg, env);
  if (unset) throw new InterpolationError(`required variable ${name} is missing a value: ${interpolate(arg, env)}`);
  return value!;
}

/** Every variable name a text refers to through interpolation (including nested defaults). */
export function referencedVariables(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.replace(/\$\$/g, '').matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]!);
  return names;
}

/** A .env file as `docker compose` reads it: KEY=VALUE lines, comments and blank lines skipped. */
export function parseDotEnv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`not a KEY=VALUE line: ${raw}`);
    const key = line.slice(0, eq).trim();
    if (out.has(key)) throw new Error(`${key} is set twice`);
    out.set(key, line.slice(eq + 1).trim().replace(/^(['"])(.*)\1$/, '$2'));
  }
  return out;
}
