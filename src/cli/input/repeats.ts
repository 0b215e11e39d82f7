import type { Msisdn } from '../../domain/msisdn.js';
import { MsisdnSet } from './msisdn-set.js';
import type { TargetRow } from './number-list.js';

/** Flag bits kept per number. */
const REPEATED = 1;
const CONFLICT = 2;
/** How many repeated numbers are kept with their lines for the message; the rest are only counted. */
const SHOWN_REPEATS = 10;
/** Lines kept per shown number. */
const SHOWN_LINES = 5;

/** What a row is among the rows of its number. */
export type RowKind =
  | { kind: 'first' }
  | { kind: 'repeat' }
  /** Another row of the number asked for other values: where that first row is (`staff.csv:3`). */
  | { kind: 'conflict'; first: string };

/**
 * Tells the row of a number that is sent (its first) from later rows of the same number, across every
 * source of a change (positional numbers, each file, a filter): a later row with the same values is a
 * repeat (sent once, reported with its lines), one with other values a conflict (which of them was
 * meant is not ours to guess: an input error naming both lines). Flat for a million rows: per number
 * only its first row's place and a 32-bit hash of its values (a MsisdnSet's typed arrays); lines are
 * kept only for the first few repeated numbers.
 */
export class RepeatCheck {
  private readonly seen = new MsisdnSet();
  /** Numbers given more than once (each counted once). */
  repeated = 0;
  /** Numbers with conflicting rows (each counted once). */
  conflicted = 0;
  /** The first numbers given more than once, with the places that gave them (`staff.csv:3`). */
  readonly shown = new Map<Msisdn, string[]>();

  /** `sources[i]` names source i in messages (`argv`, `staff.csv`). */
  constructor(private readonly sources: string[]) {}

  /**
   * Records a row of source `source` (an index into `sources`) with the per-row values it asks for
   * (none: `{}`), and says whether it is its number's first row, a repeat or a conflict.
   */
  take(row: TargetRow, source: number, values: Record<string, string>): RowKind {
    const place = placeOf(source, row.line);
    const tag = tagOf(values);
    const slot = this.seen.addRow(row.msisdn, place, tag);
    if (slot < 0) return { kind: 'first' };
    const firstPlace = this.seen.placeAt(slot);
    let flags = this.seen.flagsAt(slot);
    if (!(flags & REPEATED)) {
      flags |= REPEATED;
      this.repeated++;
      if (this.shown.size < SHOWN_REPEATS) this.shown.set(row.msisdn, [this.where(firstPlace)]);
    }
    const lines = this.shown.get(row.msisdn);
    if (lines && lines.length < SHOWN_LINES) lines.push(this.where(place));
    const conflict = this.seen.tagAt(slot) !== tag;
    if (conflict && !(flags & CONFLICT)) {
      flags |= CONFLICT;
      this.conflicted++;
    }
    this.seen.setFlags(slot, flags);
    return conflict ? { kind: 'conflict', first: this.where(firstPlace) } : { kind: 'repeat' };
  }

  /** Numbers given more than once with the same values (each sent once): how many, and the first few's places. */
  exact(): { count: number; shown: string[][] } {
    const shown = [...this.shown]
      .filter(([msisdn]) => !(this.seen.flagsAt(this.seen.find(msisdn)) & CONFLICT))
      .map(([, places]) => places);
    return { count: this.repeated - this.conflicted, shown };
  }

  /** Records a number a filter selects: sent unless a source named it before (no message either way). */
  takeSelected(msisdn: Msisdn, source: number, index: number): boolean {
    return this.seen.addRow(msisdn, placeOf(source, index), 0) < 0;
  }

  /**
   * Once every row was taken: is this the row to send? Its number's first row, unless the number has
   * conflicting rows (with --skip-invalid neither of them is sent).
   */
  sends(msisdn: Msisdn, source: number, line: number): boolean {
    const slot = this.seen.find(msisdn);
    return (
      slot >= 0 && this.seen.placeAt(slot) === placeOf(source, line) && !(this.seen.flagsAt(slot) & CONFLICT)
    );
  }

  private where(place: number): string {
    const source = Math.floor(place / 2 ** 32);
    return `${this.sources[source] ?? ''}:${place - source * 2 ** 32}`;
  }
}

/** A row's place: its source and line in one exact double (sources are few, lines below 2^32). */
function placeOf(source: number, line: number): number {
  return source * 2 ** 32 + line;
}

/** A 32-bit hash of per-row values (FNV-1a over `name=value` pairs in name order); 0 for none. */
function tagOf(values: Record<string, string>): number {
  const names = Object.keys(values);
  if (names.length === 0) return 0;
  let h = 0x811c9dc5;
  for (const name of names.sort()) {
    const text = `${name}=${values[name] ?? ''}\u0000`;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return h >>> 0 || 1;
}
