/** A source of numbers in [0, 1), replaceable in tests by a fixed sequence. */
export type Random = () => number;

/** The random choices the simulation makes. */
export class RandomSource {
  constructor(readonly random: Random = Math.random) {}

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  /** A producer-side id such as `ctr_1kx2q9w` (not a Hookline id). */
  id(prefix: string): string {
    return `${prefix}_${Math.floor(this.random() * 2 ** 48).toString(36)}`;
  }

  hex(bytes: number): string {
    let out = '';
    for (let i = 0; i < bytes; i++) out += this.int(0, 255).toString(16).padStart(2, '0');
    return out;
  }
}
