/**
 * The demo company: the fixtures (catalog, accounts, groups, roles, users, names; see demo-fixtures.ts)
 * plus any number of lines generated deterministically from a seed.
 */
import { Buffer } from 'node:buffer';
import { isValidLuhn, luhnCheckDigit } from '../../domain/iccid.js';
import type { NumberStatus, Service, Tariff } from '../../api/lines.js';
import type { SeedNumber } from '../store/seed-repo.js';
import {
  loadDemoFixtures,
  type DemoAccount,
  type DemoGroup,
  type DemoRegion,
  type DemoRole,
  type DemoUser,
} from './demo-fixtures.js';

export type { DemoAccount, DemoGrant, DemoGroup, DemoRegion, DemoRole, DemoUser } from './demo-fixtures.js';

// Module-scope copies: under jest every global lookup (Math.…) goes through the vm context's interceptor,
// which made the hot loops 4× slower.
const { floor, imul, min } = Math;

/**
 * One line of the demo company: what the store seeds. msisdn +79XXXXXXXXX, unique, never in +7999000xxxx
 * (reserved for users' phones); employee "Фамилия Имя" in Cyrillic; blockReason 'lost' | 'employee_left'
 * | 'vacation' when blocked, 'debt' when suspended by the operator, else null; iccid 20 digits starting
 * 897010 with a valid Luhn check digit, unique; activatedAt ISO-8601 UTC, 2019-01-01 to 2026-06-30.
 */
export type DemoNumber = SeedNumber;

/** The whole demo company: fixtures plus the generated lines. */
export interface DemoCompany {
  company: { name: string };
  regions: DemoRegion[];
  accounts: DemoAccount[];
  groups: DemoGroup[];
  roles: DemoRole[];
  users: DemoUser[];
  tariffs: Tariff[];
  services: Service[];
  /** Sorted by msisdn. */
  numbers: DemoNumber[];
}

/**
 * The demo company with its lines made as they are read: what a seed writes, a few thousand lines in
 * memory at a time instead of all of them (100,000 lines as objects were ~60 MB, and their garbage grew
 * the backend's heap by twice that while it seeded). Each iteration of `numbers` makes them again, the
 * same ones.
 */
export interface DemoCompanyLines extends Omit<DemoCompany, 'numbers'> {
  /** Sorted by msisdn. */
  numbers: Iterable<DemoNumber>;
}

// ---------------------------------------------------------------------------------------------
// Generation

/** The feminine form of a Russian surname given in its masculine form (Иванов → Иванова). */
export function feminineSurname(last: string): string {
  if (/(ов|ев|ёв|ин|ын)$/.test(last)) return last + 'а';
  if (/(ский|цкий)$/.test(last)) return last.slice(0, -2) + 'ая';
  if (last.length > 4 && /(ой|ый)$/.test(last)) return last.slice(0, -2) + 'ая';
  return last; // Шевченко, Черных, Ким: the same for both genders
}

/** mulberry32: a tiny, fast, seedable 32-bit PRNG returning floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = imul(a ^ (a >>> 15), 1 | a);
    t = (t + imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface WeightTable<T> {
  items: T[];
  cum: number[];
  total: number;
}

function weightTable<T>(entries: [T, number][]): WeightTable<T> {
  const items: T[] = [];
  const cum: number[] = [];
  let total = 0;
  for (const [item, w] of entries) {
    if (w <= 0) continue;
    total += w;
    items.push(item);
    cum.push(total);
  }
  return { items, cum, total };
}

function pick<T>(table: WeightTable<T>, r: number): T {
  const x = r * table.total;
  const { cum, items } = table;
  for (let i = 0; i < cum.length; i++) if (x < cum[i]) return items[i];
  return items[items.length - 1];
}

/** How common each tariff is among the lines (codes not listed weigh 3). */
const TARIFF_WEIGHTS: Record<string, number> = {
  VOICE_ECO: 12,
  BUSINESS_START: 16,
  SMART: 22,
  SMART_PLUS: 12,
  BUSINESS_PRO: 9,
  UNLIM: 6,
  DATA_ONLY: 6,
  DATA_PRO: 3,
  REGION_NORTH: 14,
  REGION_SIBERIA: 14,
  ROAMING_PRO: 2,
};

/** Per-group preferences multiplying TARIFF_WEIGHTS: drivers on cheap voice, IT with modems, HQ travels. */
const GROUP_TARIFF_AFFINITY: Record<string, Record<string, number>> = {
  hq: { BUSINESS_PRO: 3, ROAMING_PRO: 4, VOICE_ECO: 0.3 },
  sales: { BUSINESS_PRO: 2, SMART_PLUS: 1.5 },
  'sales-north': { BUSINESS_PRO: 2, SMART_PLUS: 1.5 },
  'sales-south': { BUSINESS_PRO: 2, SMART_PLUS: 1.5 },
  it: { DATA_ONLY: 3, DATA_PRO: 4, UNLIM: 2 },
  finance: { SMART: 1.5, ROAMING_PRO: 0 },
  warehouse: { DATA_ONLY: 3, VOICE_ECO: 2, ROAMING_PRO: 0 },
  drivers: { VOICE_ECO: 4, BUSINESS_START: 2, ROAMING_PRO: 0, BUSINESS_PRO: 0.2 },
};

/** Share of the lines per group (groups not listed weigh 5): the Sales subtree has ~30%. */
const GROUP_WEIGHTS: Record<string, number> = {
  hq: 8,
  sales: 6,
  'sales-north': 12,
  'sales-south': 12,
  it: 9,
  finance: 7,
  warehouse: 16,
  drivers: 30,
};

/** Share of the lines per account by its region (regions not listed weigh 10). */
const REGION_WEIGHTS: Record<string, number> = { MOW: 45, SPE: 25, NSK: 12, EKB: 18 };

/** Mobile (DEF) codes handed out per region; other regions draw from FALLBACK_DEF_CODES. All must be 9xx. */
const REGION_DEF_CODES: Record<string, number[]> = {
  MOW: [915, 916, 985],
  SPE: [911, 921, 981],
  NSK: [913, 923, 983],
  EKB: [912, 922, 982],
  KZN: [917, 927, 987],
  KRD: [918, 928, 988],
};
const FALLBACK_DEF_CODES = [900, 901, 902, 904, 905, 906, 908, 950, 951, 952, 953];

/** National numbers 999 000 0000 … 999 000 9999 belong to users' own phones, never to lines. */
const RESERVED_FROM = 9990000000;
const RESERVED_TO = 9990009999;

const BLOCK_REASONS = weightTable<string>([
  ['lost', 35],
  ['employee_left', 35],
  ['vacation', 30],
]);

/** How many services a line has: 0–3. */
const SERVICE_COUNTS = weightTable<number>([
  [0, 30],
  [1, 35],
  [2, 22],
  [3, 13],
]);

const ACTIVATED_FROM = Date.UTC(2019, 0, 1) / 1000;
const ACTIVATED_TO = Date.UTC(2026, 5, 30, 23, 59, 59) / 1000;

const MAX_LINES = 10_000_000;

/** The issuer prefix of every ICCID: 89 telecom, 7 Russia, 010 the operator. */
const ICCID_PREFIX = '897010';
/** An ICCID is 20 characters: the prefix, 13 serial digits, the Luhn digit; a timestamp is 20 too. */
const WIDE = 20;
/** A line's number '+79XXXXXXXXX' is 12 characters. */
const MSISDN_WIDTH = 12;
/** '+79' as bytes: every DEF code used is 9xx, so a line is +79 and nine more digits. */
const MSISDN_HEAD = Uint8Array.from([43, 55, 57]);
/**
 * Lines per batch of fixed-width strings decoded at once: bounds the scratch buffers and the lines a
 * reader of `numbers` holds at a time.
 */
const CHUNK = 4096;
/** 2·d with its digits summed, for the Luhn digits that are doubled. */
const LUHN_DOUBLED = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];

/** The civil date of every day of the activation range: [year, month, day] per day index. */
let activationDays: Uint16Array | undefined;

function activationDayTable(): Uint16Array {
  if (!activationDays) {
    const count = floor((ACTIVATED_TO - ACTIVATED_FROM) / 86400) + 1;
    activationDays = new Uint16Array(count * 3);
    for (let d = 0; d < count; d++) {
      const date = new Date((ACTIVATED_FROM + d * 86400) * 1000);
      activationDays[d * 3] = date.getUTCFullYear();
      activationDays[d * 3 + 1] = date.getUTCMonth() + 1;
      activationDays[d * 3 + 2] = date.getUTCDate();
    }
  }
  return activationDays;
}

/** Writes `n` (0 ≤ n < 2^31) as exactly `width` decimal digits, zero-padded, at `off`. */
function writeDigits(buf: Uint8Array, off: number, n: number, width: number): void {
  for (let k = off + width - 1; k >= off; k--) {
    const q = (n / 10) | 0;
    buf[k] = 48 + n - q * 10;
    n = q;
  }
}

/** Writes seconds since the epoch (within the activation range) as 'YYYY-MM-DDTHH:MM:SSZ' at `off`. */
function writeTimestamp(buf: Uint8Array, off: number, epochSeconds: number, days: Uint16Array): void {
  const sinceFrom = epochSeconds - ACTIVATED_FROM;
  const day = floor(sinceFrom / 86400);
  const sod = sinceFrom - day * 86400;
  writeDigits(buf, off, days[day * 3], 4);
  buf[off + 4] = 45; // -
  writeDigits(buf, off + 5, days[day * 3 + 1], 2);
  buf[off + 7] = 45;
  writeDigits(buf, off + 8, days[day * 3 + 2], 2);
  buf[off + 10] = 84; // T
  writeDigits(buf, off + 11, floor(sod / 3600), 2);
  buf[off + 13] = 58; // :
  writeDigits(buf, off + 14, floor(sod / 60) % 60, 2);
  buf[off + 16] = 58;
  writeDigits(buf, off + 17, sod % 60, 2);
  buf[off + 19] = 90; // Z
}

/** Writes a 20-digit ICCID: the prefix, `high` (6 digits), `low` (7 digits) and the Luhn check digit. */
function writeIccid(buf: Uint8Array, off: number, prefix: Uint8Array, high: number, low: number): void {
  buf.set(prefix, off);
  writeDigits(buf, off + 6, high, 6);
  writeDigits(buf, off + 12, low, 7);
  // The payload is 19 digits; counting from its right end, the last digit (index 18) is doubled.
  let sum = 0;
  for (let k = 0; k < 19; k++) {
    const d = buf[off + k] - 48;
    sum += (k & 1) === 0 ? LUHN_DOUBLED[d] : d;
  }
  buf[off + 19] = 48 + ((10 - (sum % 10)) % 10);
}

// ---------------------------------------------------------------------------------------------
// The generator

/** The demo company with `lines` numbers; the same (seed, lines) always gives the same result. */
export function generateDemoCompany(opts: { seed: number; lines: number }): DemoCompany {
  const company = demoCompanyLines(opts);
  return { ...company, numbers: [...company.numbers] };
}

/** generateDemoCompany with the lines made as they are read (see DemoCompanyLines). */
export function demoCompanyLines(opts: { seed: number; lines: number }): DemoCompanyLines {
  const { seed, lines } = opts;
  if (!Number.isInteger(lines) || lines < 0 || lines > MAX_LINES) {
    throw new RangeError(`lines must be an integer from 0 to ${MAX_LINES}, got ${lines}`);
  }
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const fx = structuredClone(loadDemoFixtures());
  return {
    company: fx.company,
    regions: fx.regions,
    accounts: fx.accounts,
    groups: fx.groups,
    roles: fx.roles,
    users: fx.users,
    tariffs: fx.tariffs,
    services: fx.services,
    numbers: { [Symbol.iterator]: () => generateLines(fx, seed, lines) },
  };
}

/** The lines of the demo company, in msisdn order, a chunk of CHUNK lines made at a time. */
function* generateLines(
  fx: ReturnType<typeof loadDemoFixtures>,
  seed: number,
  lines: number,
): Generator<DemoNumber, void, undefined> {
  const whole = Math.trunc(seed);
  const rnd = mulberry32((whole % 4294967296) ^ floor(whole / 4294967296) ^ 0x5eed1e55); // all bits count

  const { accounts, groups, tariffs, services } = fx;
  const A = accounts.length;
  const S = services.length;

  // Symmetric incompatibility (a pair is forbidden if either side lists the other), by index.
  const serviceIndex = new Map(services.map((s, i) => [s.code, i]));
  const tariffIndex = new Map(tariffs.map((t, i) => [t.code, i]));
  const serviceClash = new Uint8Array(S * S);
  const tariffClash = new Uint8Array(tariffs.length * S);
  services.forEach((s, i) => {
    for (const code of s.incompatibleWith) {
      const j = serviceIndex.get(code);
      if (j !== undefined) serviceClash[i * S + j] = serviceClash[j * S + i] = 1;
      const t = tariffIndex.get(code);
      if (t !== undefined) tariffClash[t * S + i] = 1;
    }
  });
  /** Per tariff index: the indices of the services allowed with it, in catalog order. */
  const candidatesByTariff = tariffs.map((_, t) =>
    services.flatMap((_s, i) => (tariffClash[t * S + i] ? [] : [i])),
  );

  // Tariff tables per (account, group), restricted to the tariffs offered in the account's region.
  const tariffTables: WeightTable<number>[][] = accounts.map((acc) =>
    groups.map((g) => {
      const offered = tariffs.flatMap((t, i): [number, string][] =>
        t.regions.includes(acc.region) ? [[i, t.code]] : [],
      );
      const affinity = GROUP_TARIFF_AFFINITY[g.id] ?? {};
      const weighted = weightTable(
        offered.map(([i, code]): [number, number] => [
          i,
          (TARIFF_WEIGHTS[code] ?? 3) * (affinity[code] ?? 1),
        ]),
      );
      // Affinities may zero out everything: fall back to a uniform choice.
      return weighted.items.length > 0
        ? weighted
        : weightTable(offered.map(([i]): [number, number] => [i, 1]));
    }),
  );
  const accountTable = weightTable(
    accounts.map((a, i): [number, number] => [i, REGION_WEIGHTS[a.region] ?? 10]),
  );
  const groupTable = weightTable(groups.map((g, i): [number, number] => [i, GROUP_WEIGHTS[g.id] ?? 5]));
  const defCodes = accounts.map((a) => REGION_DEF_CODES[a.region] ?? FALLBACK_DEF_CODES);

  // Every "Фамилия Имя" built once: [female ? 1 : 0][last][first].
  const female = fx.names.first.filter((f) => f.female).map((f) => f.name);
  const male = fx.names.first.filter((f) => !f.female).map((f) => f.name);
  const employeeNames = [male, female].map((firsts, fem) =>
    fx.names.last.map((last) => {
      const surname = fem ? feminineSurname(last) : last;
      return firsts.map((first) => `${surname} ${first}`);
    }),
  );
  const lastCount = fx.names.last.length;

  // Pass 1: an account and a unique msisdn per line; key = nationalNumber * A + accountIndex, sorted.
  // Uniqueness by one bitmap of 10^7 bits per DEF code in use (no Set of a million doubles).
  const keys = new Float64Array(lines);
  const taken: (Uint8Array | undefined)[] = [];
  for (let i = 0; i < lines; i++) {
    const acc = i < A ? i : pick(accountTable, rnd());
    const defs = defCodes[acc];
    for (;;) {
      const def = defs[floor(rnd() * defs.length)];
      const sub = floor(rnd() * 1e7);
      const national = def * 1e7 + sub;
      if (national >= RESERVED_FROM && national <= RESERVED_TO) continue;
      const bits = (taken[def] ??= new Uint8Array(1e7 / 8));
      const mask = 1 << (sub & 7);
      if (bits[sub >>> 3] & mask) continue;
      bits[sub >>> 3] |= mask;
      keys[i] = national * A + acc;
      break;
    }
  }
  taken.length = 0;
  keys.sort();

  // ICCID serial = 6 random digits + a 7-digit affine permutation of the line index (unique for < 10^7 lines).
  let iccidStep = 1 + 2 * floor(rnd() * 5e6);
  if (iccidStep % 5 === 0) iccidStep += 2; // odd and not a multiple of 5: coprime to 10^7
  const iccidOffset = floor(rnd() * 1e7);

  // Pass 2: everything else, in msisdn order. Fixed-width strings are written as bytes and decoded a
  // chunk at a time, then sliced: a million concatenated strings would keep the GC busy for seconds.
  const numbers = new Array<DemoNumber>(min(lines, CHUNK));
  const scratchLines = min(lines, CHUNK);
  const msisdnBytes = Buffer.alloc(scratchLines * MSISDN_WIDTH);
  const iccidBytes = Buffer.alloc(scratchLines * WIDE);
  const timeBytes = Buffer.alloc(scratchLines * WIDE);
  const prefixBytes = Buffer.from(ICCID_PREFIX, 'latin1');
  const days = activationDayTable();
  const picked: number[] = [];
  for (let chunkStart = 0; chunkStart < lines; chunkStart += CHUNK) {
    const chunkEnd = min(lines, chunkStart + CHUNK);
    for (let i = chunkStart; i < chunkEnd; i++) {
      const key = keys[i];
      const accIdx = key % A;
      const account = accounts[accIdx];
      const groupIdx = i < groups.length ? i : pick(groupTable, rnd());

      const byLast = employeeNames[rnd() < 0.45 ? 1 : 0][floor(rnd() * lastCount)];
      const employee = byLast[floor(rnd() * byLast.length)];

      const tariffIdx = pick(tariffTables[accIdx][groupIdx], rnd());
      const candidates = candidatesByTariff[tariffIdx];
      const want = min(pick(SERVICE_COUNTS, rnd()), candidates.length);
      picked.length = 0;
      for (let tries = 0; picked.length < want && tries < want * 4; tries++) {
        const s = candidates[floor(rnd() * candidates.length)];
        let at = picked.length; // keep `picked` sorted: catalog order
        let ok = true;
        for (let k = 0; k < picked.length && ok; k++) {
          if (picked[k] === s || serviceClash[picked[k] * S + s]) ok = false;
          else if (picked[k] > s && at === picked.length) at = k;
        }
        if (ok) picked.splice(at, 0, s);
      }
      const chosen = picked.map((s) => services[s].code);

      const r = rnd();
      let status: NumberStatus = 'active';
      let blockReason: string | null = null;
      if (r >= 0.98) {
        status = 'terminated';
      } else if (r >= 0.96) {
        status = 'suspended_by_operator';
        blockReason = 'debt';
      } else if (r >= 0.9) {
        status = 'blocked';
        blockReason = pick(BLOCK_REASONS, rnd());
      }

      const slot = i - chunkStart;
      const national = (key - accIdx) / A;
      msisdnBytes.set(MSISDN_HEAD, slot * MSISDN_WIDTH);
      writeDigits(msisdnBytes, slot * MSISDN_WIDTH + 3, national - 9e9, 9);
      writeIccid(
        iccidBytes,
        slot * WIDE,
        prefixBytes,
        100000 + floor(rnd() * 900000),
        (iccidStep * i + iccidOffset) % 1e7,
      );
      writeTimestamp(
        timeBytes,
        slot * WIDE,
        ACTIVATED_FROM + floor(rnd() * (ACTIVATED_TO - ACTIVATED_FROM + 1)),
        days,
      );

      numbers[slot] = {
        msisdn: '',
        accountId: account.id,
        region: account.region,
        groupId: groups[groupIdx].id,
        employee,
        tariff: tariffs[tariffIdx].code,
        services: chosen,
        status,
        blockReason,
        iccid: '',
        activatedAt: '',
      };
    }
    const count = chunkEnd - chunkStart;
    const msisdns = msisdnBytes.toString('latin1', 0, count * MSISDN_WIDTH);
    const iccids = iccidBytes.toString('latin1', 0, count * WIDE);
    const times = timeBytes.toString('latin1', 0, count * WIDE);
    for (let slot = 0; slot < count; slot++) {
      const n = numbers[slot] as DemoNumber;
      n.msisdn = msisdns.slice(slot * MSISDN_WIDTH, (slot + 1) * MSISDN_WIDTH);
      n.iccid = iccids.slice(slot * WIDE, (slot + 1) * WIDE);
      n.activatedAt = times.slice(slot * WIDE, (slot + 1) * WIDE);
      yield n;
    }
  }
}

// Re-exported for the tests and fixtures that know them from here.
export { isValidLuhn, luhnCheckDigit };
