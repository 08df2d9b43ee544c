// mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)), so rand, randn and layer
// initialization are reproducible.
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let shared: (() => number) | null = null;

/**
 * Seeds the one generator that everything random draws from when not given a `seed` of its own:
 * `rand`, `randn`, {@link dropout}'s masks and new layers' initial weights (`nn.manualSeed` is this
 * function), as torch.manual_seed: after `manualSeed(s)` the same sequence of calls draws the
 * same numbers. Until it is called, they use Math.random (not reproducible).
 * @param seed - a finite number.
 */
export function manualSeed(seed: number): void {
  if (typeof seed !== 'number') throw new TypeError(`manualSeed: seed must be a finite number, got ${String(seed)}`);
  if (!Number.isFinite(seed)) throw new RangeError(`manualSeed: seed must be a finite number, got ${seed}`);
  shared = mulberry32(seed);
}

/** The shared generator (uniform in [0, 1)): manualSeed's stream, else Math.random. */
export function sharedRandom(): () => number {
  return shared ?? Math.random;
}
