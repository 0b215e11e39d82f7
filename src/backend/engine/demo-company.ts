import { Buffer } from 'node:buffer';
import { existsSync, readFileSync } from 'node:fs';
import { isValidLuhn, luhnCheckDigit } from '../../domain/iccid.js';
import type { NumberStatus, Service, Tariff } from '../../api/lines.js';
import { isPermission, type Permission } from '../../domain/permissions.js';

// Module-scope copies: under jest every global lookup (Math.…) goes through the vm context's interceptor,
// which made the hot loops 4× slower.
const { floor, imul, min } = Math;

/** A region of the operator. */
export interface DemoRegion {
  code: string;
  name: string;
  nameRu: string;
}

/** A contract (personal account) of the demo company. */
export interface DemoAccount {
  id: string;
  name: string;
  contractNo: string;
  region: string;
  balance: number;
  creditLimit: number;
  billingDay: number;
}

/** A node of the group tree; parents come before their children. */
export interface DemoGroup {
  id: string;
  name: string;
  parentId: string | null;
}

/** A role: a named set of permissions. */
export interface DemoRole {
  name: string;
  description: string;
  permissions: Permission[];
}

/** A role given over a group subtree (`groupId: null` = the whole company). */
export interface DemoGrant {
  role: string;
  groupId: string | null;
}

/** A user of the corporate cabinet (the password is plain text in the fixture; the store hashes it). */
export interface DemoUser {
  email: string;
  phone: string | null;
  name: string;
  password: string;
  grants: DemoGrant[];
}

/** One line of the demo company. */
export interface DemoNumber {
  /** E.164, +79XXXXXXXXX, unique, never in +7999000xxxx (reserved for users' phones). */
  msisdn: string;
  accountId: string;
  region: string;
  groupId: string;
  /** "Фамилия Имя" in Cyrillic. */
  employee: string;
  tariff: string;
  services: string[];
  status: NumberStatus;
  /** 'lost' | 'employee_left' | 'vacation' when blocked, 'debt' when suspended by the operator, else null. */
  blockReason: string | null;
  /** 20 digits starting 897010 with a valid Luhn check digit, unique. */
  iccid: string;
  /** ISO-8601 UTC, between 2019-01-01 and 2026-06-30. */
  activatedAt: string;
}

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

/** A first name of the names pool. */
export interface DemoFirstName {
  name: string;
  female: boolean;
}

/** The two fixture files, parsed and validated. */
export interface DemoFixtures {
  regions: DemoRegion[];
  tariffs: Tariff[];
  services: Service[];
  company: { name: string };
  accounts: DemoAccount[];
  groups: DemoGroup[];
  roles: DemoRole[];
  users: DemoUser[];
  names: { first: DemoFirstName[]; last: string[] };
}

// ---------------------------------------------------------------------------------------------
// Fixture parsing and validation

type Obj = Record<string, unknown>;

function fail(ctx: string, msg: string): never {
  throw new Error(`demo fixtures: ${ctx}: ${msg}`);
}

function asObj(v: unknown, ctx: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(ctx, 'expected an object');
  return v as Obj;
}

function asArr(v: unknown, ctx: string): unknown[] {
  if (!Array.isArray(v)) fail(ctx, 'expected an array');
  return v;
}

function str(o: Obj, key: string, ctx: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') fail(ctx, `"${key}" must be a non-empty string`);
  return v;
}

function nullableStr(o: Obj, key: string, ctx: string): string | null {
  const v = o[key];
  if (v === null) return null;
  if (typeof v !== 'string' || v === '') fail(ctx, `"${key}" must be a non-empty string or null`);
  return v;
}

function int(o: Obj, key: string, ctx: string, min = -Infinity, max = Infinity): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(ctx, `"${key}" must be an integer in [${min}, ${max}]`);
  }
  return v;
}

function strArr(o: Obj, key: string, ctx: string): string[] {
  return asArr(o[key], `${ctx}.${key}`).map((v, i) => {
    if (typeof v !== 'string' || v === '') fail(`${ctx}.${key}[${i}]`, 'must be a non-empty string');
    return v;
  });
}

function uniqueBy<T>(items: T[], key: (t: T) => string, ctx: string): Set<string> {
  const seen = new Set<string>();
  for (const it of items) {
    const k = key(it);
    if (seen.has(k)) fail(ctx, `duplicate "${k}"`);
    seen.add(k);
  }
  return seen;
}

/** Parses and cross-checks the catalog and the demo company fixtures; throws a clear Error on any problem. */
export function validateDemoFixtures(catalogJson: unknown, companyJson: unknown): DemoFixtures {
  const cat = asObj(catalogJson, 'catalog');
  const co = asObj(companyJson, 'demo-company');

  const regions = asArr(cat.regions, 'catalog.regions').map((r, i): DemoRegion => {
    const ctx = `catalog.regions[${i}]`;
    const o = asObj(r, ctx);
    return { code: str(o, 'code', ctx), name: str(o, 'name', ctx), nameRu: str(o, 'nameRu', ctx) };
  });
  const regionCodes = uniqueBy(regions, (r) => r.code, 'catalog.regions');

  const tariffs = asArr(cat.tariffs, 'catalog.tariffs').map((t, i): Tariff => {
    const ctx = `catalog.tariffs[${i}]`;
    const o = asObj(t, ctx);
    const tariff: Tariff = {
      code: str(o, 'code', ctx),
      name: str(o, 'name', ctx),
      monthlyFee: int(o, 'monthlyFee', ctx, 0),
      minutes: int(o, 'minutes', ctx, -1),
      sms: int(o, 'sms', ctx, -1),
      dataMb: int(o, 'dataMb', ctx, -1),
      regions: strArr(o, 'regions', ctx),
      roamingIncluded: o.roamingIncluded === true,
      description: str(o, 'description', ctx),
    };
    if (tariff.regions.length === 0) fail(`tariff ${tariff.code}`, 'is offered in no region');
    for (const r of tariff.regions) {
      if (!regionCodes.has(r)) fail(`tariff ${tariff.code}`, `unknown region "${r}"`);
    }
    return tariff;
  });
  const tariffCodes = uniqueBy(tariffs, (t) => t.code, 'catalog.tariffs');

  const services = asArr(cat.services, 'catalog.services').map((s, i): Service => {
    const ctx = `catalog.services[${i}]`;
    const o = asObj(s, ctx);
    return {
      code: str(o, 'code', ctx),
      name: str(o, 'name', ctx),
      monthlyFee: int(o, 'monthlyFee', ctx, 0),
      connectFee: int(o, 'connectFee', ctx, 0),
      incompatibleWith: strArr(o, 'incompatibleWith', ctx),
      description: str(o, 'description', ctx),
    };
  });
  const serviceCodes = uniqueBy(services, (s) => s.code, 'catalog.services');
  for (const s of services) {
    if (tariffCodes.has(s.code)) fail(`service ${s.code}`, 'has the same code as a tariff');
    for (const c of s.incompatibleWith) {
      if (c === s.code) fail(`service ${s.code}`, 'is incompatible with itself');
      if (!serviceCodes.has(c) && !tariffCodes.has(c)) {
        fail(`service ${s.code}`, `incompatibleWith names unknown code "${c}"`);
      }
    }
  }

  const companyObj = asObj(co.company, 'demo-company.company');
  const company = { name: str(companyObj, 'name', 'demo-company.company') };

  const accounts = asArr(co.accounts, 'demo-company.accounts').map((a, i): DemoAccount => {
    const ctx = `demo-company.accounts[${i}]`;
    const o = asObj(a, ctx);
    const account: DemoAccount = {
      id: str(o, 'id', ctx),
      name: str(o, 'name', ctx),
      contractNo: str(o, 'contractNo', ctx),
      region: str(o, 'region', ctx),
      balance: int(o, 'balance', ctx),
      creditLimit: int(o, 'creditLimit', ctx, 0),
      billingDay: int(o, 'billingDay', ctx, 1, 28),
    };
    if (!/^[0-9]+$/.test(account.id)) fail(`account ${account.id}`, 'id must be digits');
    if (!regionCodes.has(account.region)) fail(`account ${account.id}`, `unknown region "${account.region}"`);
    if (!tariffs.some((t) => t.regions.includes(account.region))) {
      fail(`account ${account.id}`, `no tariff is offered in region "${account.region}"`);
    }
    return account;
  });
  if (accounts.length === 0) fail('demo-company.accounts', 'at least one account is required');
  uniqueBy(accounts, (a) => a.id, 'demo-company.accounts');

  const groupIds = new Set<string>();
  const groups = asArr(co.groups, 'demo-company.groups').map((g, i): DemoGroup => {
    const ctx = `demo-company.groups[${i}]`;
    const o = asObj(g, ctx);
    const group: DemoGroup = {
      id: str(o, 'id', ctx),
      name: str(o, 'name', ctx),
      parentId: nullableStr(o, 'parentId', ctx),
    };
    if (groupIds.has(group.id)) fail('demo-company.groups', `duplicate "${group.id}"`);
    if (group.parentId !== null && !groupIds.has(group.parentId)) {
      fail(
        `group ${group.id}`,
        `unknown parent "${group.parentId}" (parents must be listed before children)`,
      );
    }
    groupIds.add(group.id);
    return group;
  });
  if (groups.length === 0) fail('demo-company.groups', 'at least one group is required');

  const roles = asArr(co.roles, 'demo-company.roles').map((r, i): DemoRole => {
    const ctx = `demo-company.roles[${i}]`;
    const o = asObj(r, ctx);
    const name = str(o, 'name', ctx);
    const permissions = strArr(o, 'permissions', ctx).map((p) => {
      if (!isPermission(p)) fail(`role ${name}`, `unknown permission "${p}"`);
      return p;
    });
    return { name, description: str(o, 'description', ctx), permissions };
  });
  const roleNames = uniqueBy(roles, (r) => r.name, 'demo-company.roles');

  const users = asArr(co.users, 'demo-company.users').map((u, i): DemoUser => {
    const ctx = `demo-company.users[${i}]`;
    const o = asObj(u, ctx);
    const email = str(o, 'email', ctx);
    const phone = nullableStr(o, 'phone', ctx);
    if (phone !== null && !/^\+[1-9][0-9]{6,14}$/.test(phone))
      fail(`user ${email}`, `phone "${phone}" is not E.164`);
    const grants = asArr(o.grants, `${ctx}.grants`).map((g, j): DemoGrant => {
      const gctx = `${ctx}.grants[${j}]`;
      const go = asObj(g, gctx);
      const grant = { role: str(go, 'role', gctx), groupId: nullableStr(go, 'groupId', gctx) };
      if (!roleNames.has(grant.role)) fail(`user ${email}`, `grant names unknown role "${grant.role}"`);
      if (grant.groupId !== null && !groupIds.has(grant.groupId)) {
        fail(`user ${email}`, `grant names unknown group "${grant.groupId}"`);
      }
      return grant;
    });
    return { email, phone, name: str(o, 'name', ctx), password: str(o, 'password', ctx), grants };
  });
  uniqueBy(users, (u) => u.email.toLowerCase(), 'demo-company.users');

  const namesObj = asObj(co.names, 'demo-company.names');
  const first = asArr(namesObj.first, 'demo-company.names.first').map((f, i): DemoFirstName => {
    const ctx = `demo-company.names.first[${i}]`;
    const o = asObj(f, ctx);
    if (typeof o.female !== 'boolean') fail(ctx, '"female" must be a boolean');
    return { name: str(o, 'name', ctx), female: o.female };
  });
  const last = strArr(namesObj, 'last', 'demo-company.names');
  if (!first.some((f) => f.female) || !first.some((f) => !f.female)) {
    fail('demo-company.names.first', 'needs both female and male names');
  }
  if (last.length === 0) fail('demo-company.names.last', 'must not be empty');

  return { regions, tariffs, services, company, accounts, groups, roles, users, names: { first, last } };
}

let cached: DemoFixtures | undefined;

/**
 * The fixtures folder, found by walking up from this module: the same code runs from src/ under jest
 * and from the bundle in dist/, at different depths.
 */
function fixturesDir(): URL {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    const candidate = new URL('fixtures/', dir);
    if (existsSync(new URL('catalog.json', candidate))) return candidate;
    if (dir.pathname === '/') throw new Error(`demo fixtures: no fixtures/ folder above ${import.meta.url}`);
  }
}

function readJson(file: string): unknown {
  const url = new URL(file, fixturesDir());
  try {
    return JSON.parse(readFileSync(url, 'utf8')) as unknown;
  } catch (err) {
    throw new Error(`demo fixtures: cannot read ${url.pathname}: ${(err as Error).message}`, { cause: err });
  }
}

/** The validated fixtures (fixtures/catalog.json and fixtures/demo-company.json), read once per process. */
export function loadDemoFixtures(): DemoFixtures {
  cached ??= validateDemoFixtures(readJson('catalog.json'), readJson('demo-company.json'));
  return cached;
}

// ---------------------------------------------------------------------------------------------
// Helpers

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
/** Lines per batch of fixed-width strings decoded at once (bounds the scratch buffers). */
const CHUNK = 65536;
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
  const { seed, lines } = opts;
  if (!Number.isInteger(lines) || lines < 0 || lines > MAX_LINES) {
    throw new RangeError(`lines must be an integer from 0 to ${MAX_LINES}, got ${lines}`);
  }
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const fx = structuredClone(loadDemoFixtures());
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
  const numbers = new Array<DemoNumber>(lines);
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

      numbers[i] = {
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
      const n = numbers[chunkStart + slot];
      n.msisdn = msisdns.slice(slot * MSISDN_WIDTH, (slot + 1) * MSISDN_WIDTH);
      n.iccid = iccids.slice(slot * WIDE, (slot + 1) * WIDE);
      n.activatedAt = times.slice(slot * WIDE, (slot + 1) * WIDE);
    }
  }

  return {
    company: fx.company,
    regions: fx.regions,
    accounts,
    groups,
    roles: fx.roles,
    users: fx.users,
    tariffs,
    services,
    numbers,
  };
}

// Re-exported for the tests and fixtures that know them from here.
export { isValidLuhn, luhnCheckDigit };
