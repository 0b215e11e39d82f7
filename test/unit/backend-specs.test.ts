import { prng } from '../../src/domain/cdr.js';
import { drawFault, parseFaultSpec, type FaultSpec } from '../../src/domain/fault-spec.js';
import { DEFAULT_RATE_LIMITS, parseRateLimitSpec } from '../../src/domain/rate-limit-spec.js';
import { SpecError } from '../../src/domain/spec-parts.js';
import { runCommand } from '../support/cli-harness.js';

/** The part and problem a parser refuses `text` with. */
function refusal(parse: (text: string) => unknown, text: string): { part: string; problem: string } {
  try {
    parse(text);
  } catch (err) {
    if (err instanceof SpecError) return { part: err.part, problem: err.problem };
    throw err;
  }
  throw new Error(`"${text}" was accepted`);
}

describe('a --faults spec', () => {
  it('reads every kind of fault, in any order, with spaces around the parts', () => {
    expect(parseFaultSpec('error=0.2,latency=20ms,drop=0.05,slow=0.01:5s')).toEqual({
      error: 0.2,
      latencyMs: 20,
      drop: 0.05,
      slow: { probability: 0.01, ms: 5000 },
    });
    expect(parseFaultSpec(' slow = 1:0.5s , error=1 ')).toEqual({
      error: 1,
      latencyMs: 0,
      drop: 0,
      slow: { probability: 1, ms: 500 },
    });
    expect(parseFaultSpec('latency=2s')).toMatchObject({ error: 0, latencyMs: 2000, drop: 0 });
    expect(parseFaultSpec('drop=.5,error=0')).toMatchObject({ drop: 0.5, error: 0 });
  });

  it.each([
    ['', '', 'empty'],
    ['   ', '   ', 'empty'],
    ['error', 'error', 'form'],
    ['error=0.1,', '', 'form'],
    ['=0.1', '=0.1', 'form'],
    ['boom=1', 'boom=1', 'unknown'],
    ['Error=0.1', 'Error=0.1', 'unknown'],
    ['error=0.1,error=0.2', 'error=0.2', 'repeated'],
    ['error=2', 'error=2', 'probability'],
    ['error=-0.1', 'error=-0.1', 'probability'],
    ['drop=half', 'drop=half', 'probability'],
    ['drop=', 'drop=', 'probability'],
    ['error=1e-1', 'error=1e-1', 'probability'],
    ['latency=20', 'latency=20', 'duration'],
    ['latency=20min', 'latency=20min', 'duration'],
    ['latency=-5ms', 'latency=-5ms', 'duration'],
    ['latency=601s', 'latency=601s', 'duration'],
    ['slow=0.1', 'slow=0.1', 'slow'],
    ['slow=0.1:5s:1', 'slow=0.1:5s:1', 'slow'],
    ['slow=2:5s', 'slow=2:5s', 'probability'],
    ['slow=0.1:5', 'slow=0.1:5', 'duration'],
  ])('refuses %j, naming the part %j: %s', (text, part, problem) => {
    expect(refusal(parseFaultSpec, text)).toEqual({ part, problem });
  });
});

describe('the draws of a request', () => {
  const spec: FaultSpec = { error: 0.3, latencyMs: 0, drop: 0.2, slow: { probability: 0.1, ms: 50 } };

  it('are the same for the same seed, four numbers a request whatever comes out', () => {
    const draw = (seed: number) => {
      const random = prng(seed);
      return Array.from({ length: 50 }, () => drawFault(spec, random));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    const counted = { calls: 0 };
    const random = prng(1);
    drawFault(spec, () => (counted.calls++, random()));
    expect(counted.calls).toBe(4);
  });

  it('drop half before and half after the work, never with an error as well', () => {
    const random = prng(3);
    const draws = Array.from({ length: 4000 }, () => drawFault({ ...spec, error: 1, drop: 0.5 }, random));
    const before = draws.filter((d) => d.drop === 'before').length;
    const after = draws.filter((d) => d.drop === 'after').length;
    expect(before / 4000).toBeCloseTo(0.25, 1);
    expect(after / 4000).toBeCloseTo(0.25, 1);
    expect(draws.every((d) => d.error === (d.drop === null))).toBe(true);
  });

  it('give no fault with probabilities 0 and every fault with 1', () => {
    const random = prng(5);
    const none = { error: 0, latencyMs: 0, drop: 0, slow: { probability: 0, ms: 10 } };
    expect(drawFault(none, random)).toEqual({ drop: null, error: false, stallMs: 0 });
    expect(drawFault({ ...none, error: 1, slow: { probability: 1, ms: 10 } }, random)).toEqual({
      drop: null,
      error: true,
      stallMs: 10,
    });
    expect(drawFault({ ...none, drop: 1 }, random).drop).not.toBeNull();
  });
});

describe('a --rate-limit spec', () => {
  it('keeps the defaults for the parts left out, and a burst left out is a second of the rate', () => {
    expect(parseRateLimitSpec('read=20/s:40,write=5/s:10,ip=100/s')).toEqual(DEFAULT_RATE_LIMITS);
    expect(parseRateLimitSpec('write=1/s:3')).toEqual({
      ...DEFAULT_RATE_LIMITS,
      write: { perSecond: 1, burst: 3 },
    });
    expect(parseRateLimitSpec(' ip = 2.5/s , read=0.5/s ')).toEqual({
      ...DEFAULT_RATE_LIMITS,
      ip: { perSecond: 2.5, burst: 3 },
      read: { perSecond: 0.5, burst: 1 },
    });
  });

  it('turns every limit off with "off"', () => {
    expect(parseRateLimitSpec('off')).toBeNull();
    expect(parseRateLimitSpec(' off ')).toBeNull();
  });

  it.each([
    ['', '', 'empty'],
    ['on', 'on', 'form'],
    ['read', 'read', 'form'],
    ['reads=20/s', 'reads=20/s', 'unknown'],
    ['read=20/s,read=30/s', 'read=30/s', 'repeated'],
    ['read=20', 'read=20', 'rate'],
    ['read=20/m', 'read=20/m', 'rate'],
    ['read=0/s', 'read=0/s', 'rate'],
    ['read=-1/s', 'read=-1/s', 'rate'],
    ['read=fast/s', 'read=fast/s', 'rate'],
    ['read=2000000/s', 'read=2000000/s', 'rate'],
    ['read=20/s:', 'read=20/s:', 'burst'],
    ['read=20/s:0', 'read=20/s:0', 'burst'],
    ['read=20/s:1.5', 'read=20/s:1.5', 'burst'],
    ['read=20/s:many', 'read=20/s:many', 'burst'],
  ])('refuses %j, naming the part %j: %s', (text, part, problem) => {
    expect(refusal(parseRateLimitSpec, text)).toEqual({ part, problem });
  });
});

describe('vm backend start with a spec it cannot read', () => {
  // Each refusal comes before anything starts: no data directory is touched, no port is taken.
  const start = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runCommand(undefined, ['backend', 'start', '--data', '/nonexistent/vm', ...args], { env });

  it('is a usage error (exit 2) naming the flag, the part and what it takes', async () => {
    const r = await start(['--faults', 'error=2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--faults: "error=2": a probability is a number from 0 to 1.');
    const rate = await start(['--rate-limit', 'read=20/s:0']);
    expect(rate.code).toBe(2);
    expect(rate.stderr).toContain(
      '--rate-limit: "read=20/s:0": a burst is a whole number of requests from 1 up.',
    );
    expect((await start(['--faults', 'boom=1'])).stderr).toContain(
      'the faults are error, latency, drop and slow',
    );
  });

  it('names the variable when the value came from VM_FAULTS or VM_RATE_LIMIT, and the flag wins', async () => {
    const env = await start([], { VM_FAULTS: 'latency=fast' });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('VM_FAULTS: "latency=fast": a duration is a number of ms or s');
    const both = await start(['--faults', 'slow=1'], { VM_FAULTS: 'latency=fast' });
    expect(both.stderr).toContain('--faults: "slow=1": slow is a probability and a duration');
    const rate = await start([], { VM_RATE_LIMIT: 'ip=lots' });
    expect(rate.code).toBe(2);
    expect(rate.stderr).toContain('VM_RATE_LIMIT: "ip=lots": a limit is requests a second');
  });

  it('says it in Russian with --lang ru', async () => {
    const r = await start(['--lang', 'ru', '--faults', 'error=2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--faults: «error=2»: вероятность — число от 0 до 1.');
  });
});
