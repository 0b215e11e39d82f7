/**
 * The backend's `--faults` and `--rate-limit` values: parts `name=value` separated by commas. The
 * parsers are pure and throw a SpecError naming the part and the problem; the CLI words it for the
 * user, in their language.
 */

/** What is wrong with a part of a spec. */
export type SpecProblem =
  /** Nothing given. */
  | 'empty'
  /** Not `name=value`. */
  | 'form'
  /** A name the spec does not have. */
  | 'unknown'
  /** The same name twice. */
  | 'repeated'
  /** Not a number from 0 to 1. */
  | 'probability'
  /** Not a number of ms or s within the maximum. */
  | 'duration'
  /** Not `probability:duration`. */
  | 'slow'
  /** Not `rate/s` or `rate/s:burst`. */
  | 'rate'
  /** Not a whole number of requests from 1 up. */
  | 'burst';

/** A spec that cannot be used: the part as written and what is wrong with it. */
export class SpecError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'SpecError';
  constructor(
    readonly part: string,
    readonly problem: SpecProblem,
  ) {
    super(`"${part}": ${problem}`);
  }
}

/**
 * The parts of `text` by name, each with the part as written (for errors) and its value. Every name must
 * be one of `names` and given once; spaces around parts, names and values are ignored.
 */
export function specParts<Name extends string>(
  text: string,
  names: readonly Name[],
): Map<Name, { part: string; value: string }> {
  if (!text.trim()) throw new SpecError(text, 'empty');
  const out = new Map<Name, { part: string; value: string }>();
  for (const raw of text.split(',')) {
    const part = raw.trim();
    const eq = part.indexOf('=');
    if (eq <= 0) throw new SpecError(part, 'form');
    const name = part.slice(0, eq).trim();
    if (!isOneOf(name, names)) throw new SpecError(part, 'unknown');
    if (out.has(name)) throw new SpecError(part, 'repeated');
    out.set(name, { part, value: part.slice(eq + 1).trim() });
  }
  return out;
}

function isOneOf<Name extends string>(name: string, names: readonly Name[]): name is Name {
  return (names as readonly string[]).includes(name);
}
