/** ISO 8601 → ClickHouse DateTime64(6) text `YYYY-MM-DD hh:mm:ss.ffffff` (UTC), accepted by every input format setting. */
export function toClickHouseTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(iso);
  if (m) return `${m[1]} ${m[2]}.${(m[3] ?? '').padEnd(6, '0').slice(0, 6)}`;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new Error(`not a timestamp: ${iso}`);
  return toClickHouseTime(d.toISOString());
}
