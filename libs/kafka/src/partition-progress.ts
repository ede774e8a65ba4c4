interface Entry {
  offset: bigint;
  weight: number;
  done: boolean;
}

/**
 * The offsets of one partition that were handed to work, in the order they were read, and which of
 * them are finished. Work finishes in any order (a fast endpoint overtakes a slow one on the same
 * partition), but the offset that may be committed is only the one below which everything is
 * finished: a crash then repeats unfinished work and never skips it.
 *
 * Each offset carries a weight (1 unless its handler says otherwise, e.g. the bytes it produced),
 * which is what the pending limits count.
 */
export class PartitionProgress {
  private readonly entries: Entry[] = [];
  private readonly byOffset = new Map<bigint, Entry>();
  private head = 0;
  private unfinishedWeight = 0;
  /** The offset after the last one accepted: where reading continues. */
  private next?: bigint;
  private lastCommitted?: bigint;

  /** Accepted and not finished. */
  get pending(): number {
    return this.byOffset.size;
  }

  /** The weight of the accepted, unfinished offsets. */
  get pendingWeight(): number {
    return this.unfinishedWeight;
  }

  /** True when this offset was already accepted (a re-fetch after a seek or a rebalance). */
  hasAccepted(offset: bigint): boolean {
    return this.next !== undefined && offset < this.next;
  }

  accept(offset: bigint, weight = 1): void {
    if (this.hasAccepted(offset)) throw new Error(`offset ${offset} accepted twice`);
    const entry = { offset, weight, done: false };
    this.entries.push(entry);
    this.byOffset.set(offset, entry);
    this.unfinishedWeight += weight;
    this.next = offset + 1n;
  }

  complete(offset: bigint): void {
    const entry = this.byOffset.get(offset);
    if (!entry) return;
    entry.done = true;
    this.byOffset.delete(offset);
    this.unfinishedWeight -= entry.weight;
    while (this.head < this.entries.length && this.entries[this.head]!.done) this.head++;
    // Drop the finished prefix now and then, not on every completion.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
  }

  /** The offset to commit (the next one to read after a restart), or undefined when nothing new. */
  committable(): bigint | undefined {
    const offset = this.head < this.entries.length ? this.entries[this.head]!.offset : this.next;
    if (offset === undefined || (this.lastCommitted !== undefined && offset <= this.lastCommitted))
      return undefined;
    return offset;
  }

  markCommitted(offset: bigint): void {
    if (this.lastCommitted === undefined || offset > this.lastCommitted)
      this.lastCommitted = offset;
  }
}
