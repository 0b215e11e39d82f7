import type { Msisdn } from '../../domain/msisdn.js';

/**
 * A set of phone numbers kept as doubles in one open-addressing table: 16 bytes a number and nothing for
 * the GC to trace. A Set of 1M strings costs ~50 MB live, and V8 lets old space grow to 2–3× that with
 * the garbage a streaming parse makes, which breaks "memory stays flat" for 1M-line files.
 *
 * A number may carry what a caller keeps of its first row (`addRow`): where the row is, a 32-bit tag of
 * its values and a few flag bits, in typed arrays beside the table (made only once a row is added), so
 * telling a repeat from a conflicting row costs ~20 more bytes a slot and still nothing to trace.
 */
export class MsisdnSet {
  // 0 marks an empty slot: no E.164 number is 0.
  private slots = new Float64Array(1 << 16);
  private count = 0;
  private places?: Float64Array;
  private tags?: Uint32Array;
  private flags?: Uint8Array;

  /** How many numbers are in the set. */
  get size(): number {
    return this.count;
  }

  /** Adds a number; false when it was there already. */
  add(msisdn: Msisdn): boolean {
    return this.addRow(msisdn, 0, 0) < 0;
  }

  /**
   * Adds a number with its first row's place (any number up to 2^53, e.g. source and line) and tag;
   * -1 when it is new, else the slot of the number already there (read it with placeAt/tagAt/flagsAt
   * before the next add: a growing table moves its slots).
   */
  addRow(msisdn: Msisdn, place: number, tag: number): number {
    const key = keyOf(msisdn);
    if ((this.count + 1) * 2 > this.slots.length) this.grow();
    const slot = probe(this.slots, key);
    if (this.slots[slot] === key) return slot;
    this.slots[slot] = key;
    this.count++;
    if (place !== 0 || tag !== 0 || this.places) {
      this.places ??= new Float64Array(this.slots.length);
      this.places[slot] = place;
    }
    if (tag !== 0 || this.tags) {
      this.tags ??= new Uint32Array(this.slots.length);
      this.tags[slot] = tag;
    }
    return -1;
  }

  /** The slot of a number, or -1 when it is not in the set. */
  find(msisdn: Msisdn): number {
    const slot = probe(this.slots, keyOf(msisdn));
    return this.slots[slot] === 0 ? -1 : slot;
  }

  /** The place its first row was added with. */
  placeAt(slot: number): number {
    return this.places?.[slot] ?? 0;
  }

  /** The tag its first row was added with. */
  tagAt(slot: number): number {
    return this.tags?.[slot] ?? 0;
  }

  /** Flag bits a caller set on a number (0 until it sets some). */
  flagsAt(slot: number): number {
    return this.flags?.[slot] ?? 0;
  }

  /** Sets flag bits (0–255) on a number. */
  setFlags(slot: number, bits: number): void {
    this.flags ??= new Uint8Array(this.slots.length);
    this.flags[slot] = bits;
  }

  private grow(): void {
    const old = { slots: this.slots, places: this.places, tags: this.tags, flags: this.flags };
    const size = old.slots.length * 2;
    this.slots = new Float64Array(size);
    this.places = old.places && new Float64Array(size);
    this.tags = old.tags && new Uint32Array(size);
    this.flags = old.flags && new Uint8Array(size);
    for (let from = 0; from < old.slots.length; from++) {
      const key = old.slots[from] as number;
      if (key === 0) continue;
      const to = probe(this.slots, key);
      this.slots[to] = key;
      if (this.places && old.places) this.places[to] = old.places[from] as number;
      if (this.tags && old.tags) this.tags[to] = old.tags[from] as number;
      if (this.flags && old.flags) this.flags[to] = old.flags[from] as number;
    }
  }
}

/** E.164 is at most 15 digits with no leading 0, so the digits are an exact, distinct safe integer. */
function keyOf(msisdn: Msisdn): number {
  const key = Number(msisdn.slice(1));
  if (!Number.isSafeInteger(key) || key <= 0) throw new RangeError(`not an E.164 number: ${msisdn}`);
  return key;
}

/** Linear probing: the slot holding `key`, or the empty slot where it would go. */
function probe(slots: Float64Array, key: number): number {
  const mask = slots.length - 1;
  for (let i = hash(key) & mask; ; i = (i + 1) & mask) {
    const slot = slots[i];
    if (slot === key || slot === 0) return i;
  }
}

/** Mixes both 32-bit halves of the key (murmur3's finalizer), so sequential numbers spread out. */
function hash(key: number): number {
  let h = (key >>> 0) ^ Math.imul(Math.floor(key / 0x100000000), 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
