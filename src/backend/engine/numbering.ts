import { createHash } from 'node:crypto';
import { luhnCheckDigit } from '../../domain/iccid.js';

/** Deterministic pseudo-random digits from a seed string, as many as asked. */
function digits(seed: string, attempt: number, count: number): string {
  let out = '';
  for (let block = 0; out.length < count; block++) {
    const hex = createHash('sha256').update(`${seed}:${attempt}:${block}`).digest('hex');
    out += hex.replace(/[a-f]/g, '').slice(0, count - out.length);
  }
  return out;
}

/** A mobile number nobody has, derived from `seed` (stable across a crash and a retry of the same item). */
export function freshMsisdn(taken: (msisdn: string) => boolean, seed: string): string {
  for (let attempt = 0; ; attempt++) {
    const candidate = `+79${digits(seed, attempt, 9)}`;
    if (!candidate.startsWith('+7999000') && !taken(candidate)) return candidate;
  }
}

/** A 20-digit ICCID with a valid Luhn digit that no number has. */
export function freshIccid(taken: (iccid: string) => boolean, seed: string): string {
  for (let attempt = 0; ; attempt++) {
    const body = `8970199${digits(`iccid:${seed}`, attempt, 12)}`;
    const candidate = body + luhnCheckDigit(body);
    if (!taken(candidate)) return candidate;
  }
}
