import { sortedByKey } from '../../src/backend/engine/reports-service.js';

/** The order the report jobs write rows in: by key, highest first, ties in the order the rows came. */
function byComparator(keys: number[]): number[] {
  return keys.map((_, i) => i).sort((a, b) => (keys[b] as number) - (keys[a] as number) || a - b);
}

/** A repeatable stream of numbers in [0, 1). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('sortedByKey', () => {
  it('orders whole keys highest first, ties by place, negatives last, as the comparator does', () => {
    const next = random(7);
    // Few distinct values, so ties are many; a few big and negative ones.
    const keys = Array.from({ length: 50_000 }, (_, i) =>
      i % 97 === 0
        ? -Math.floor(next() * 2 ** 30)
        : i % 89 === 0
          ? 2 ** 31 - 1
          : Math.floor(next() * 50) * 100,
    );
    expect([...sortedByKey(Float64Array.from(keys))]).toEqual(byComparator(keys));
  });

  it.each([
    ['fractions', [1.5, 2, 1.5, -0.25, 2]],
    ['keys past 2^31', [2 ** 40, 1, 2 ** 40, -(2 ** 35), 0]],
  ])('falls back to the comparator for %s, with the same order', (_, keys) => {
    expect([...sortedByKey(Float64Array.from(keys))]).toEqual(byComparator(keys));
  });

  it('gives nothing for no keys', () => {
    expect([...sortedByKey(new Float64Array(0))]).toEqual([]);
  });
});
