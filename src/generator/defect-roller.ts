import type { DefectKind } from './defects.js';
import type { Prng } from './prng.js';

/** Decides which defects an event carries, at the configured rates, and counts eligible events per kind. */
export class DefectRoller {
  private readonly counts = new Map<DefectKind, number>();

  constructor(
    private readonly rates: Readonly<Record<DefectKind, number>>,
    private readonly prng: Prng,
  ) {}

  /** Events that could have carried each kind (the denominators of the rates), in the order kinds were first rolled. */
  get eligible(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /** The configured rate of a kind. */
  rate(kind: DefectKind): number {
    return this.rates[kind];
  }

  /** True with the kind's rate; counts `weight` eligible events. */
  roll(kind: DefectKind, weight = 1): boolean {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + weight);
    const r = this.rates[kind];
    return r > 0 && this.prng.next() < r;
  }

  /** Rolls kinds in order and returns the first that hits (later kinds are not rolled). */
  first(kinds: readonly DefectKind[]): DefectKind | undefined {
    for (let i = 0; i < kinds.length; i++) if (this.roll(kinds[i]!)) return kinds[i];
    return undefined;
  }
}
