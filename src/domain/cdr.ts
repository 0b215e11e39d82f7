/**
 * Call detail records, generated deterministically from (seed, msisdn, day): the same company has the
 * same calls on every machine and every run, so a demo of any size has stable data without storing
 * years of records. Each record is priced against what is left of the tariff's allowance at that
 * moment, so the records of a day depend on the usage before it in the billing period — which the
 * caller passes in (`used`) and gets back updated.
 */
import { MB, RATES, type Allowance } from './billing.js';

export type CdrKind = 'call' | 'sms' | 'data' | 'roaming';

/** One record. `time` is UTC ISO; `cost` kopecks. */
export interface CdrRecord {
  time: string;
  kind: CdrKind;
  direction: 'out' | 'in' | null;
  peer: string;
  peerName: string | null;
  location: string;
  seconds: number;
  bytes: number;
  cost: number;
}

/** Allowance used so far in the billing period (whole minutes, SMS, whole megabytes). */
export interface UsedAllowance {
  minutes: number;
  sms: number;
  dataMb: number;
}

/** A day's totals: what billing charges and reports count. */
export interface DaySummary {
  records: number;
  /** Outgoing domestic call minutes (each call rounded up). */
  minutes: number;
  calls: number;
  sms: number;
  /** Domestic data megabytes (each session rounded up). */
  dataMb: number;
  bytes: number;
  roamingMinutes: number;
  roamingMb: number;
  cost: number;
}

/** CSV/JSON field names of a record, in column order (the export's header). */
export const CDR_FIELDS = [
  'number',
  'time',
  'kind',
  'direction',
  'peer',
  'peerName',
  'location',
  'seconds',
  'bytes',
  'cost',
] as const;

/** One field of a call detail record, as exports name it. */
export type CdrField = (typeof CDR_FIELDS)[number];

/** 32-bit FNV-1a of a string. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small, fast, seedable PRNG in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How much a line talks: fixed per (seed, msisdn) so a person keeps their habits month after month. */
export type Persona = 'light' | 'medium' | 'heavy';

export function personaOf(seed: number, msisdn: string): { persona: Persona; traveller: boolean } {
  const h = hash32(`${seed}:${msisdn}:persona`);
  const r = (h % 100) / 100;
  return { persona: r < 0.4 ? 'light' : r < 0.8 ? 'medium' : 'heavy', traveller: h % 11 === 0 };
}

const PROFILE: Record<
  Persona,
  { calls: number; meanSeconds: number; sms: number; sessions: number; mb: number }
> = {
  light: { calls: 3, meanSeconds: 60, sms: 1, sessions: 3, mb: 25 },
  medium: { calls: 7, meanSeconds: 100, sms: 2, sessions: 5, mb: 90 },
  heavy: { calls: 12, meanSeconds: 150, sms: 4, sessions: 8, mb: 300 },
};

/** People and organisations a corporate line talks to; Cyrillic on purpose (exports must keep it intact). */
const CONTACTS: [string, string | null][] = [
  ['+74951234567', 'ООО «Ромашка», приёмная'],
  ['+74957891011', 'Бухгалтерия'],
  ['+78005553535', 'Такси «Максим»'],
  ['+74996470000', 'Сбербанк'],
  ['+78127654321', 'Склад «Северный»'],
  ['+73832123456', 'Иванов Пётр Сергеевич'],
  ['+73432987654', 'Смирнова Ольга'],
  ['+79031112233', 'Кузнецов А. В.'],
  ['+79165554433', 'Клиент: «Лютик» & Co'],
  ['+79219876543', null],
  ['+79857770011', null],
  ['+79610002030', null],
];
const SMS_PEERS: [string, string][] = [
  ['900', 'Сбербанк'],
  ['Yandex.Taxi', 'Яндекс Такси'],
  ['Gosuslugi', 'Госуслуги'],
  ['+79165554433', 'Клиент: «Лютик» & Co'],
];
const HOME: Record<string, string> = {
  MOW: 'Москва',
  SPE: 'Санкт-Петербург',
  NSK: 'Новосибирск',
  EKB: 'Екатеринбург',
  KZN: 'Казань',
  KRD: 'Краснодар',
};
const ABROAD = ['Турция', 'Казахстан', 'Германия', 'ОАЭ', 'Китай'];

/** The line a generator needs: who, where, and what the tariff includes. */
export interface CdrLine {
  msisdn: string;
  region: string;
  allowance: Allowance;
}

/**
 * The records of one line on one day, in time order, priced against `used` (which is advanced in place).
 * Pure: the same arguments always give the same records.
 */
export function generateDay(seed: number, line: CdrLine, day: string, used: UsedAllowance): CdrRecord[] {
  const rnd = prng(hash32(`${seed}:${line.msisdn}:${day}`));
  const { persona, traveller } = personaOf(seed, line.msisdn);
  const p = PROFILE[persona];
  const dataOnly = line.allowance.minutes === 0 && line.allowance.sms === 0;
  const abroad = traveller && rnd() < 0.06 ? ABROAD[Math.floor(rnd() * ABROAD.length)] : undefined;
  const home = HOME[line.region] ?? line.region;
  const weekend = [0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay());
  const scale = weekend ? 0.4 : 1;
  const count = (mean: number) => Math.floor(rnd() * (2 * mean * scale + 1));
  const at = () => {
    // Mostly working hours, UTC+3-ish: 05:00–19:00 UTC.
    const s = Math.floor((5 + rnd() * 14) * 3600);
    return s;
  };
  const draft: { s: number; make: () => Omit<CdrRecord, 'time'> }[] = [];
  if (!dataOnly) {
    for (let i = count(p.calls); i > 0; i--) {
      const [peer, peerName] = CONTACTS[Math.floor(rnd() * CONTACTS.length)] as [string, string | null];
      const seconds = 5 + Math.floor(-Math.log(1 - rnd()) * p.meanSeconds);
      const direction = rnd() < 0.6 ? 'out' : 'in';
      draft.push({
        s: at(),
        make: () =>
          abroad
            ? roamingCall(line.allowance, used, direction, peer, peerName, abroad, seconds)
            : call(line.allowance, used, direction, peer, peerName, home, seconds),
      });
    }
    for (let i = count(p.sms); i > 0; i--) {
      const [peer, peerName] = SMS_PEERS[Math.floor(rnd() * SMS_PEERS.length)] as [string, string];
      const direction = peer.startsWith('+') && rnd() < 0.7 ? 'out' : 'in';
      draft.push({
        s: at(),
        make: () => sms(line.allowance, used, direction, peer, peerName, abroad ?? home),
      });
    }
  }
  for (let i = Math.max(1, count(p.sessions)); i > 0; i--) {
    const bytes = Math.floor((0.05 + rnd() * 2) * (p.mb / p.sessions) * MB);
    draft.push({ s: at(), make: () => data(line.allowance, used, bytes, abroad ?? home, !!abroad) });
  }
  draft.sort((a, b) => a.s - b.s);
  const base = Date.parse(`${day}T00:00:00Z`);
  return draft.map((d) => ({ time: new Date(base + d.s * 1000).toISOString(), ...d.make() }));
}

/** Record kinds as the summary path keeps them (no objects, no strings). */
const CALL = 0;
const ROAMING_CALL = 1;
const SMS = 2;
const DATA = 3;
const SMS_FROM_NUMBER = SMS_PEERS.map(([peer]) => peer.startsWith('+'));
const WEEKDAY_CACHE = new Map<string, boolean>();
// Module-scope copies: under jest every global lookup (Math.…) goes through the vm context's interceptor.
const { ceil, floor, imul, log, max } = Math;

/**
 * What summarizeDay keeps of the last line it was asked about: the backfill asks for 30 to 60 days of
 * one line in a row, and the line's habits and the FNV-1a state of `${seed}:${msisdn}:` do not change.
 */
let lastLine = { seed: NaN, msisdn: '', prefixHash: 0, persona: 'light' as Persona, traveller: false };

/**
 * The records of a day as summarizeDay draws them, reused, never allocated: at most 2·mean + 1 calls,
 * SMS and sessions each (the heaviest persona: 25 + 9 + 17).
 */
const MAX_RECORDS = Math.max(...Object.values(PROFILE).map((p) => 2 * (p.calls + p.sms + p.sessions) + 3));
const times = new Int32Array(MAX_RECORDS);
const kinds = new Uint8Array(MAX_RECORDS);
const outs = new Uint8Array(MAX_RECORDS);
const amounts = new Float64Array(MAX_RECORDS);
const order = new Int32Array(MAX_RECORDS);

/**
 * `summarize(generateDay(...))` without making the records: the same random draws in the same order,
 * the same pricing in time order, the same `used` afterwards — only no strings, dates or objects per
 * record, which is what history of 100,000 lines over months needs (several times faster). A unit test
 * holds the two paths equal.
 */
export function summarizeDay(seed: number, line: CdrLine, day: string, used: UsedAllowance): DaySummary {
  if (lastLine.seed !== seed || lastLine.msisdn !== line.msisdn) {
    const { persona, traveller } = personaOf(seed, line.msisdn);
    lastLine = {
      seed,
      msisdn: line.msisdn,
      prefixHash: hash32(`${seed}:${line.msisdn}:`),
      persona,
      traveller,
    };
  }
  // hash32(`${seed}:${msisdn}:${day}`), going on from the line's part.
  let h = lastLine.prefixHash;
  for (let i = 0; i < day.length; i++) h = imul(h ^ day.charCodeAt(i), 0x01000193);
  // prng(h), inline: mulberry32.
  let state = h >>> 0;
  const rnd = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const p = PROFILE[lastLine.persona];
  const a = line.allowance;
  const dataOnly = a.minutes === 0 && a.sms === 0;
  let abroad = false;
  if (lastLine.traveller && rnd() < 0.06) {
    rnd(); // the country: its name does not change a total
    abroad = true;
  }
  let weekend = WEEKDAY_CACHE.get(day);
  if (weekend === undefined) {
    weekend = [0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay());
    WEEKDAY_CACHE.set(day, weekend);
  }
  const scale = weekend ? 0.4 : 1;
  // Each count is drawn as generateDay draws it: floor(rnd() * (2 * mean * scale + 1)).
  let n = 0;
  if (!dataOnly) {
    const calls = floor(rnd() * (2 * p.calls * scale + 1));
    for (let i = calls; i > 0; i--) {
      rnd(); // the contact
      const seconds = 5 + floor(-log(1 - rnd()) * p.meanSeconds);
      const out = rnd() < 0.6;
      times[n] = floor((5 + rnd() * 14) * 3600);
      kinds[n] = abroad ? ROAMING_CALL : CALL;
      outs[n] = out ? 1 : 0;
      amounts[n] = seconds;
      n++;
    }
    const sms = floor(rnd() * (2 * p.sms * scale + 1));
    for (let i = sms; i > 0; i--) {
      const peer = floor(rnd() * SMS_PEERS.length);
      const out = (SMS_FROM_NUMBER[peer] as boolean) && rnd() < 0.7;
      times[n] = floor((5 + rnd() * 14) * 3600);
      kinds[n] = SMS;
      outs[n] = out ? 1 : 0;
      amounts[n] = 0;
      n++;
    }
  }
  const sessions = max(1, floor(rnd() * (2 * p.sessions * scale + 1)));
  for (let i = sessions; i > 0; i--) {
    const bytes = floor((0.05 + rnd() * 2) * (p.mb / p.sessions) * MB);
    times[n] = floor((5 + rnd() * 14) * 3600);
    kinds[n] = DATA;
    outs[n] = 0;
    amounts[n] = bytes;
    n++;
  }
  // The same stable order as generateDay's sort of its drafts: an insertion sort keeps equal times in
  // the order they were drawn.
  for (let i = 0; i < n; i++) {
    const time = times[i] as number;
    let j = i;
    while (j > 0 && (times[order[j - 1] as number] as number) > time) {
      order[j] = order[j - 1] as number;
      j--;
    }
    order[j] = i;
  }
  const s = emptySummary(n);
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    const kind = kinds[i] as number;
    const out = outs[i] === 1;
    const amount = amounts[i] as number;
    if (kind === CALL) {
      s.calls++;
      if (out) {
        const minutes = ceil(amount / 60);
        s.cost += consume(a.minutes, used.minutes, minutes) * RATES.minute;
        used.minutes += minutes;
        s.minutes += minutes;
      }
    } else if (kind === ROAMING_CALL) {
      const minutes = ceil(amount / 60);
      if (a.roamingIncluded) {
        s.cost += consume(a.minutes, used.minutes, minutes) * RATES.minute;
        used.minutes += minutes;
      } else s.cost += minutes * RATES.roamingMinute;
      s.roamingMinutes += minutes;
    } else if (kind === SMS) {
      if (out) {
        s.cost += consume(a.sms, used.sms, 1) * RATES.sms;
        used.sms += 1;
        s.sms++;
      }
    } else {
      const mb = ceil(amount / MB);
      s.bytes += amount;
      if (abroad && !a.roamingIncluded) s.cost += mb * RATES.roamingMegabyte;
      else {
        s.cost += consume(a.dataMb, used.dataMb, mb) * RATES.megabyte;
        used.dataMb += mb;
      }
      if (abroad) s.roamingMb += mb;
      else s.dataMb += mb;
    }
  }
  return s;
}

/** A day of `records` records whose totals are still to be added up. */
function emptySummary(records: number): DaySummary {
  return {
    records,
    minutes: 0,
    calls: 0,
    sms: 0,
    dataMb: 0,
    bytes: 0,
    roamingMinutes: 0,
    roamingMb: 0,
    cost: 0,
  };
}

/** Sums a day's records. */
export function summarize(records: CdrRecord[]): DaySummary {
  const s = emptySummary(records.length);
  for (const r of records) {
    s.cost += r.cost;
    s.bytes += r.bytes;
    if (r.kind === 'call') {
      s.calls++;
      if (r.direction === 'out') s.minutes += Math.ceil(r.seconds / 60);
    } else if (r.kind === 'sms' && r.direction === 'out') s.sms++;
    else if (r.kind === 'data') s.dataMb += Math.ceil(r.bytes / MB);
    else if (r.kind === 'roaming') {
      if (r.seconds > 0) s.roamingMinutes += Math.ceil(r.seconds / 60);
      else s.roamingMb += Math.ceil(r.bytes / MB);
    }
  }
  return s;
}

/** Consumes `amount` of an allowance; returns how much of it was beyond the allowance. */
function consume(included: number, usedBefore: number, amount: number): number {
  if (included < 0) return 0;
  return Math.max(0, usedBefore + amount - included) - Math.max(0, usedBefore - included);
}

function call(
  a: Allowance,
  used: UsedAllowance,
  direction: 'out' | 'in',
  peer: string,
  peerName: string | null,
  location: string,
  seconds: number,
): Omit<CdrRecord, 'time'> {
  let cost = 0;
  if (direction === 'out') {
    const minutes = Math.ceil(seconds / 60);
    cost = consume(a.minutes, used.minutes, minutes) * RATES.minute;
    used.minutes += minutes;
  }
  return { kind: 'call', direction, peer, peerName, location, seconds, bytes: 0, cost };
}

function roamingCall(
  a: Allowance,
  used: UsedAllowance,
  direction: 'out' | 'in',
  peer: string,
  peerName: string | null,
  location: string,
  seconds: number,
): Omit<CdrRecord, 'time'> {
  const minutes = Math.ceil(seconds / 60);
  let cost: number;
  if (a.roamingIncluded) {
    cost = consume(a.minutes, used.minutes, minutes) * RATES.minute;
    used.minutes += minutes;
  } else cost = minutes * RATES.roamingMinute;
  return { kind: 'roaming', direction, peer, peerName, location, seconds, bytes: 0, cost };
}

function sms(
  a: Allowance,
  used: UsedAllowance,
  direction: 'out' | 'in',
  peer: string,
  peerName: string,
  location: string,
): Omit<CdrRecord, 'time'> {
  let cost = 0;
  if (direction === 'out') {
    cost = consume(a.sms, used.sms, 1) * RATES.sms;
    used.sms += 1;
  }
  return { kind: 'sms', direction, peer, peerName, location, seconds: 0, bytes: 0, cost };
}

function data(
  a: Allowance,
  used: UsedAllowance,
  bytes: number,
  location: string,
  abroad: boolean,
): Omit<CdrRecord, 'time'> {
  const mb = Math.ceil(bytes / MB);
  let cost: number;
  if (abroad && !a.roamingIncluded) cost = mb * RATES.roamingMegabyte;
  else {
    cost = consume(a.dataMb, used.dataMb, mb) * RATES.megabyte;
    used.dataMb += mb;
  }
  return {
    kind: abroad ? 'roaming' : 'data',
    direction: null,
    peer: 'internet',
    peerName: null,
    location,
    seconds: 0,
    bytes,
    cost,
  };
}
