/**
 * Wall-clock arithmetic in the project time zone. A "wall" value is a local date-time
 * string `YYYY-MM-DD HH:MM:SS.ffffff` with no offset; ClickHouse turns it into an instant
 * with `toDateTime64(wall, 6, tz)`, so the compilers never do offset maths themselves.
 * Arithmetic on wall values treats them as UTC (no DST), which is what calendar buckets want.
 */

export type Unit = 'hour' | 'day' | 'week' | 'month';

export interface WallRange {
  /** Inclusive start, wall time in the project time zone. */
  from: string;
  /** Exclusive end, wall time in the project time zone. */
  to: string;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Wall string → milliseconds as if it were UTC (for arithmetic only). */
export function wallMs(wall: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/.exec(wall);
  if (!m) throw new Error(`not a wall time: ${wall}`);
  const frac = (m[7] ?? '').padEnd(6, '0');
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)) + Math.floor(+frac / 1000);
}

/** Milliseconds (as if UTC) → wall string with microseconds, the form ClickHouse parses. */
export function wallOfMs(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}000`;
}

/** Output form of a wall time: `YYYY-MM-DDTHH:mm:ss`. */
export const isoWall = (wall: string) => wall.slice(0, 19).replace(' ', 'T');

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall time in `tz` of a UTC instant. */
export function instantToWall(epochMs: number, tz: string): string {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(epochMs)).map((x) => [x.type, x.value]));
  const ms = ((epochMs % 1000) + 1000) % 1000;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}.${pad(ms, 3)}000`;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** A request date → wall time in `tz`. Date-only `end` values mean the end of that day. */
export function toWall(value: string, tz: string, end: boolean, nowMs = Date.now()): string {
  const rel = /^-(\d{1,5})([hdwmy])$/.exec(value);
  if (rel) {
    // Relative to now: `-24h` an hour-exact instant, `-30d`/`-4w`/`-3m`/`-1y` the start of that day.
    const n = Number(rel[1]);
    const now = instantToWall(nowMs, tz);
    if (rel[2] === 'h') return wallOfMs(wallMs(now) - n * 3_600_000);
    const today = now.slice(0, 10);
    const unit = rel[2] === 'd' ? 'day' : rel[2] === 'w' ? 'week' : 'month';
    return addUnits(wallOfMs(wallMs(today)), unit, rel[2] === 'y' ? -12 * n : -n);
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return wallOfMs(wallMs(value) + (end ? 86_400_000 : 0));
  if (/(Z|[+-]\d{2}:?\d{2})$/.test(value)) {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new RangeError(`invalid date ${value}`);
    return instantToWall(ms, tz);
  }
  return wallOfMs(wallMs(value));
}

export function resolveRange(dateFrom: string, dateTo: string | undefined, tz: string, nowMs = Date.now()): WallRange {
  const to = dateTo ? toWall(dateTo, tz, true, nowMs) : wallOfMs(wallMs(instantToWall(nowMs, tz).slice(0, 10)) + 86_400_000);
  return { from: toWall(dateFrom, tz, false, nowMs), to };
}

export function bucketStart(wall: string, unit: Unit): string {
  const d = new Date(wallMs(wall));
  const y = d.getUTCFullYear();
  const mo = d.getUTCMonth();
  const day = d.getUTCDate();
  switch (unit) {
    case 'hour':
      return wallOfMs(Date.UTC(y, mo, day, d.getUTCHours()));
    case 'day':
      return wallOfMs(Date.UTC(y, mo, day));
    case 'week': {
      const dow = (d.getUTCDay() + 6) % 7; // Monday = 0
      return wallOfMs(Date.UTC(y, mo, day - dow));
    }
    case 'month':
      return wallOfMs(Date.UTC(y, mo, 1));
  }
}

export function addUnits(wall: string, unit: Unit, n: number): string {
  const d = new Date(wallMs(wall));
  switch (unit) {
    case 'hour':
      return wallOfMs(d.getTime() + n * 3_600_000);
    case 'day':
      return wallOfMs(d.getTime() + n * 86_400_000);
    case 'week':
      return wallOfMs(d.getTime() + n * 7 * 86_400_000);
    case 'month':
      return wallOfMs(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()));
  }
}

/** Starts of every bucket that overlaps the range, the first one aligned down. */
export function bucketStarts(range: WallRange, unit: Unit, max = 5000): string[] {
  const out: string[] = [];
  const end = wallMs(range.to);
  for (let b = bucketStart(range.from, unit); wallMs(b) < end; b = addUnits(b, unit, 1)) {
    out.push(b);
    if (out.length > max) throw new RangeError(`more than ${max} buckets`);
  }
  return out;
}

/** The previous period: same length, ending where this one starts. */
export function previousRange(range: WallRange): WallRange {
  const len = wallMs(range.to) - wallMs(range.from);
  return { from: wallOfMs(wallMs(range.from) - len), to: range.from };
}
