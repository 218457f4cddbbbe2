import { wallMs, type Unit } from './dates.js';
import type { Scope } from './sql.js';

/**
 * A period's ordinal (days, Monday-weeks or months since 1970) — the same number in SQL and
 * here, so compilers can name the first and last bucket and shape answers by index.
 */
export function periodIndexOfWall(wall: string, unit: Exclude<Unit, 'hour'>): number {
  const ms = wallMs(wall);
  const day = Math.floor(ms / 86_400_000);
  if (unit === 'day') return day;
  if (unit === 'week') return Math.floor((day - ((new Date(ms).getUTCDay() + 6) % 7)) / 7);
  const d = new Date(ms);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

export function periodIndexExpr(s: Scope, unit: Exclude<Unit, 'hour'>, ts = 'timestamp'): string {
  const l = s.local(ts);
  if (unit === 'day') return `toInt64(toRelativeDayNum(toDate(${l})))`;
  if (unit === 'week') return `toInt64(intDiv(toRelativeDayNum(toMonday(${l})), 7))`;
  return `toInt64(toYear(${l}) * 12 + toMonth(${l}) - 1)`;
}
