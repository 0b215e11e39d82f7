import { SpecError, specParts } from './spec-parts.js';

/**
 * How the mock backend misbehaves (`vm backend start --faults`): each request, with these probabilities,
 * gets a 503, a reset connection or a long stall, and every request waits `latencyMs` more.
 */
export interface FaultSpec {
  /** Probability of a 503 `unavailable` answer instead of the work. */
  error: number;
  /** Added to every request before its work, in ms. */
  latencyMs: number;
  /** Probability of a reset connection: half of them before the work, half after it, instead of the answer. */
  drop: number;
  /** Probability of a stall of `ms` before the answer is sent. */
  slow: { probability: number; ms: number };
}

/** The names of the parts of a fault spec. */
const FAULT_PARTS = ['error', 'latency', 'drop', 'slow'] as const;

/** The longest latency or stall a spec may ask for: 10 minutes, past any client's patience. */
const MAX_FAULT_MS = 600_000;

/**
 * Reads `error=0.2,latency=20ms,drop=0.05,slow=0.01:5s` (any parts, any order); a part left out is no
 * fault of that kind. Throws SpecError naming the part that is wrong.
 */
export function parseFaultSpec(text: string): FaultSpec {
  const spec: FaultSpec = { error: 0, latencyMs: 0, drop: 0, slow: { probability: 0, ms: 0 } };
  for (const [name, { part, value }] of specParts(text, FAULT_PARTS)) {
    if (name === 'error' || name === 'drop') {
      spec[name] = probability(value, part);
    } else if (name === 'latency') {
      spec.latencyMs = duration(value, part);
    } else {
      const [p, d, more] = value.split(':');
      if (p === undefined || d === undefined || more !== undefined) throw new SpecError(part, 'slow');
      spec.slow = { probability: probability(p, part), ms: duration(d, part) };
    }
  }
  return spec;
}

/** What happens to one request. */
export interface FaultDraw {
  /** The connection is reset before the work is done, after it (instead of the answer), or not at all. */
  drop: 'before' | 'after' | null;
  /** A 503 answer instead of the work (never with a drop). */
  error: boolean;
  /** A stall before the answer, in ms (0: none). */
  stallMs: number;
}

/**
 * Draws one request's faults. It takes four numbers from `random` whatever the spec and the outcome, so
 * a seeded run gives each request, in arrival order, the same draws every time.
 */
export function drawFault(spec: FaultSpec, random: () => number): FaultDraw {
  const drop = random();
  const half = random();
  const error = random();
  const slow = random();
  return {
    drop: drop < spec.drop ? (half < 0.5 ? 'before' : 'after') : null,
    error: drop >= spec.drop && error < spec.error,
    stallMs: slow < spec.slow.probability ? spec.slow.ms : 0,
  };
}

function probability(value: string, part: string): number {
  const p = Number(value);
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(value) || !(p >= 0 && p <= 1)) throw new SpecError(part, 'probability');
  return p;
}

function duration(value: string, part: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(value);
  const ms = m ? Math.round(Number(m[1]) * (m[2] === 's' ? 1000 : 1)) : NaN;
  if (!(ms >= 0 && ms <= MAX_FAULT_MS)) throw new SpecError(part, 'duration');
  return ms;
}
