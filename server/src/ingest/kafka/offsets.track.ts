export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  /** The next offset to read, as Kafka commits it (last written + 1). */
  offset: string;
}

/**
 * Decides which offsets may be committed while batches are written out of step with their
 * fetch: per partition, only the end of the unbroken run of written batches, in fetch order,
 * and never below what was committed before. A batch that is never written holds back every
 * later batch of its partition, so a crash replays it instead of skipping it.
 */
export function createOffsetTracker() {
  const queues = new Map<string, Array<{ next: bigint; written: boolean }>>();
  const committed = new Map<string, bigint>();
  const due = new Map<string, bigint>();
  const key = (topic: string, partition: number) => `${partition}\u0000${topic}`;

  return {
    /** Registers a batch in fetch order; call the returned function once its events are written. */
    add(topic: string, partition: number, lastOffset: string): () => void {
      const k = key(topic, partition);
      const entry = { next: BigInt(lastOffset) + 1n, written: false };
      const q = queues.get(k) ?? [];
      q.push(entry);
      queues.set(k, q);
      return () => {
        entry.written = true;
      };
    },
    /** Offsets that can be committed now; offered again until `committed` records them. */
    ready(): TopicPartitionOffset[] {
      for (const [k, q] of queues) {
        while (q.length > 0 && q[0]!.written) {
          const next = q.shift()!.next;
          if (next > (due.get(k) ?? -1n)) due.set(k, next);
        }
        if (q.length === 0) queues.delete(k);
      }
      const out: TopicPartitionOffset[] = [];
      for (const [k, next] of due) {
        if (next <= (committed.get(k) ?? -1n)) {
          due.delete(k);
          continue;
        }
        const [partition, topic] = k.split('\u0000') as [string, string];
        out.push({ topic, partition: Number(partition), offset: next.toString() });
      }
      return out;
    },
    /** Records offsets the broker accepted. */
    committed(offsets: TopicPartitionOffset[]) {
      for (const o of offsets) {
        const k = key(o.topic, o.partition);
        const v = BigInt(o.offset);
        if (v > (committed.get(k) ?? -1n)) committed.set(k, v);
        if ((due.get(k) ?? -1n) <= v) due.delete(k);
      }
    },
    /** Batches registered and not yet committable. */
    pending(): number {
      let n = 0;
      for (const q of queues.values()) n += q.length;
      return n;
    },
  };
}
