import { createHash } from 'node:crypto';
import type { IngestEvent } from '../event.js';
import type { EventWriter } from '../writer.js';

export interface CoalescingWriter {
  /** Resolves when the write that holds these events succeeded; rejects when it failed. */
  write(events: IngestEvent[], token: string): Promise<void>;
}

interface Part {
  events: IngestEvent[];
  token: string;
  resolve(): void;
  reject(err: unknown): void;
}

/** One token for a group of batches: the same batches in any order give the same token. */
export function groupToken(tokens: string[]): string {
  if (tokens.length === 1) return tokens[0]!;
  const h = createHash('sha256');
  for (const t of [...tokens].sort()) h.update(t).update('\n');
  return `kafka-group:${h.digest('hex')}`;
}

/**
 * Joins the batches of the partitions consumed at the same time into one insert: ClickHouse
 * prefers few large inserts, and one fetch hands the consumer a batch per partition. A write
 * starts `lingerMs` after the first batch joined, or at once when a previous write just
 * finished (group commit); one write runs at a time. Every caller still commits only its
 * own offsets, and only after the write holding its events succeeded.
 */
export function createCoalescingWriter(writer: Pick<EventWriter, 'write'>, opts: { lingerMs?: number; maxEvents?: number } = {}): CoalescingWriter {
  const lingerMs = opts.lingerMs ?? 5;
  const maxEvents = opts.maxEvents ?? 50_000;
  let pending: Part[] = [];
  let pendingEvents = 0;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (inFlight || pending.length === 0) return;
    const group = pending;
    pending = [];
    pendingEvents = 0;
    const events = group.length === 1 ? group[0]!.events : group.flatMap((p) => p.events);
    inFlight = writer
      .write(events, { deduplicationToken: groupToken(group.map((p) => p.token)) })
      .then(
        () => group.forEach((p) => p.resolve()),
        (err) => group.forEach((p) => p.reject(err)),
      )
      .finally(() => {
        inFlight = undefined;
        if (pending.length > 0) flush();
      });
  };

  return {
    write(events, token) {
      return new Promise<void>((resolve, reject) => {
        pending.push({ events, token, resolve, reject });
        pendingEvents += events.length;
        if (pendingEvents >= maxEvents) flush();
        else timer ??= setTimeout(flush, lingerMs);
      });
    },
  };
}
