import {
  REPORT_TYPES,
  type Report,
  type ReportInfo,
  type ReportQuery,
  type ReportType,
} from '../../api/billing.js';
import { ApiError } from '../../api/errors.js';
import { addDays, dayOf, monthRange, periodCost, type PeriodUsage } from '../../domain/billing.js';
import type { Clock } from '../../domain/clock.js';
import type { Store } from '../store/store.js';
import type { BillingLine, UsageTotals } from '../store/billing-repo.js';
import { requirePermission, scopeIds, scopeOf, scopedGroupIds, type Principal } from './authz.js';
import { requireMsisdn } from './number-param.js';
import { SliceSize, since } from './slice-size.js';
import type { Usage } from './usage.js';

/** A column's kind, or `free`: text people wrote (names, reasons), `text` to show and guarded in a CSV. */
type Kind = Report['columns'][number]['kind'] | 'free';
type Row = Record<string, unknown>;

/** What each report is; `vm report list` prints this. */
const INFO: Record<ReportType, { description: string; filters: string[]; columns: [string, Kind][] }> = {
  expenses: {
    description: 'Charges over the period by number, group or account (--by), with totals',
    filters: ['from', 'to', 'group', 'number', 'account', 'by'],
    columns: [
      ['key', 'text'],
      ['name', 'free'],
      ['numbers', 'number'],
      ['tariffFees', 'money'],
      ['serviceFees', 'money'],
      ['usage', 'money'],
      ['oneTime', 'money'],
      ['total', 'money'],
    ],
  },
  usage: {
    description: 'Calls, minutes, SMS and data per number over the period, from the call details',
    filters: ['from', 'to', 'group', 'number', 'account'],
    columns: [
      ['msisdn', 'text'],
      ['employee', 'free'],
      ['tariff', 'text'],
      ['calls', 'number'],
      ['minutes', 'number'],
      ['sms', 'number'],
      ['dataMb', 'number'],
      ['roamingMinutes', 'number'],
      ['roamingMb', 'number'],
      ['cost', 'money'],
    ],
  },
  inventory: {
    description: 'Every number with tariff, services, status, group, employee and limit',
    filters: ['group', 'number', 'account'],
    columns: [
      ['msisdn', 'text'],
      ['employee', 'free'],
      ['group', 'free'],
      ['account', 'text'],
      ['region', 'text'],
      ['tariff', 'text'],
      ['services', 'list'],
      ['status', 'text'],
      ['limit', 'money'],
    ],
  },
  blocked: {
    description: 'Blocked numbers with the reason and since when',
    filters: ['group', 'number', 'account'],
    columns: [
      ['msisdn', 'text'],
      ['employee', 'free'],
      ['group', 'free'],
      ['reason', 'free'],
      ['since', 'time'],
    ],
  },
  limits: {
    description: 'Spending limit breaches over the period: limit, spent, action and the block operation',
    filters: ['from', 'to', 'group', 'number'],
    columns: [
      ['time', 'time'],
      ['msisdn', 'text'],
      ['employee', 'free'],
      ['monthly', 'money'],
      ['spent', 'money'],
      ['action', 'text'],
      ['operationId', 'text'],
    ],
  },
  activity: {
    description: 'Who did what over the period, from the audit log (needs audit:read)',
    filters: ['from', 'to', 'actor', 'number'],
    columns: [
      ['time', 'time'],
      ['actor', 'free'],
      ['action', 'text'],
      ['target', 'free'],
      ['result', 'text'],
    ],
  },
  'tariff-optimization': {
    description:
      'Numbers whose last 3 full months of usage would have been cheaper on another tariff of their region, with the monthly saving',
    filters: ['group', 'number', 'account'],
    columns: [
      ['msisdn', 'text'],
      ['employee', 'free'],
      ['tariff', 'text'],
      ['currentCost', 'money'],
      ['suggested', 'text'],
      ['suggestedCost', 'money'],
      ['saving', 'money'],
    ],
  },
};

/** Numbers one slice of a report adds up: a read of about 10 ms, so requests are answered in between. */
const SLICE = { budgetMs: 10, min: 10, max: 5000, start: 20 };

function zeroUsage(): UsageTotals {
  return { calls: 0, minutes: 0, sms: 0, dataMb: 0, roamingMinutes: 0, roamingMb: 0, cost: 0 };
}

/** At most this many rows of the audit log in one activity report. */
const MAX_ACTIVITY_ROWS = 10_000;

/**
 * A report being made, a slice of numbers at a time: `step` adds up the next slice (false when there is
 * none left) and hands its rows to the run's RowSink at once, so a report of 100,000 rows never holds
 * them all (they were 40-50 MB of objects that outlived the job in the heap); `totals` then gives the
 * totals. Daily usage is read from stored rows (SQL sums), never made here: a run that reads history
 * (`historyFrom`) must not start before the backfill covers that day.
 */
export interface ReportRun {
  /** Numbers it adds up. */
  readonly total: number;
  /** The earliest day of usage it reads, when it reads usage. */
  readonly historyFrom: string | undefined;
  /** The report's type, period and columns: all of it but the rows and the totals, known from the start. */
  readonly head: Omit<Report, 'rows' | 'totals'>;
  /** Numbers added up so far. */
  done(): number;
  step(): boolean;
  /** The totals row, once `step` has returned false. */
  totals(): Report['totals'];
}

/** One row of a report. */
export type ReportRow = Report['rows'][number];

/**
 * Where a report's rows go as they are made. They come in the report's order, or, for a report ordered
 * by a number (expenses by total, tariff optimization by saving), each with that number as `sortKey`:
 * the report lists them highest first, rows of the same key in the order they came (msisdn order).
 */
export interface RowSink {
  push(row: ReportRow, sortKey?: number): void;
}

/** A sink keeping the rows, for a report answered at once. */
export class KeptRows implements RowSink {
  private readonly kept: ReportRow[] = [];
  private readonly keys: number[] = [];

  push(row: ReportRow, sortKey?: number): void {
    this.kept.push(row);
    if (sortKey !== undefined) this.keys.push(sortKey);
  }

  /** The rows in the report's order. */
  rows(): ReportRow[] {
    if (this.keys.length === 0) return this.kept;
    return [...sortedByKey(Float64Array.from(this.keys))].map((i) => this.kept[i] as ReportRow);
  }
}

/** Places a packed sort key leaves for the index: 2^21, over 2 million rows. */
const PLACES = 2 ** 21;

/**
 * The indices of `keys` by key, highest first; equal keys in index order. Whole keys (kopecks) below
 * 2^31 are sorted packed, each with its index, as plain numbers: the typed array's own sort, with no
 * comparator to call, takes a million rows in a fifth of the comparator's time (210 ms against 920 ms
 * of the backend's thread, measured on a loaded machine). Any other key falls back to the comparator.
 */
export function sortedByKey(keys: Float64Array): Int32Array {
  const n = keys.length;
  const order = new Int32Array(n);
  if (n <= PLACES && keys.every((k) => Number.isInteger(k) && Math.abs(k) < 2 ** 31)) {
    // -key·2^21 + index is exact below 2^53, and orders by key descending, then index ascending.
    const packed = new Float64Array(n);
    for (let i = 0; i < n; i++) packed[i] = -(keys[i] as number) * PLACES + i;
    packed.sort();
    for (let i = 0; i < n; i++) {
      const v = packed[i] as number;
      order[i] = v - Math.floor(v / PLACES) * PLACES;
    }
    return order;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort((a, b) => (keys[b] as number) - (keys[a] as number) || a - b);
}

/** A report made at once, its rows kept (a small one: at most SYNC_REPORT_NUMBERS numbers). */
export function runWhole(run: ReportRun, rows: KeptRows): Report {
  while (run.step());
  return { ...run.head, rows: rows.rows(), totals: run.totals() };
}

/** The numbers of a report, in msisdn order: how many, and the next page of them. */
interface NumberSource {
  total: number;
  next(limit: number): string[];
  /** Which of these numbers it holds (a report read whole, like the breaches, checks its few). */
  among(msisdns: string[]): string[];
}

/** How one report type adds up: `each` a slice of lines, its rows to `out`; `finish` the totals. */
interface Parts {
  each: (lines: BillingLine[], out: RowSink) => void;
  finish: (out: RowSink) => Row | null;
  historyFrom?: string;
  /** The period the report shows, when it is not the one asked for. */
  period?: { from: string; to: string };
  /** A report read at once (not by numbers): the audit log, the breaches. */
  whole?: boolean;
}

/** Reports over the numbers in the caller's reports:read scope. */
export class ReportsService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly usage: Usage,
  ) {}

  list(): ReportInfo[] {
    return REPORT_TYPES.map((type) => ({
      type,
      description: INFO[type].description,
      filters: INFO[type].filters,
      columns: INFO[type].columns.map(([k]) => k),
    }));
  }

  /**
   * Checks the request and resolves its numbers; nothing is added up yet. `slowSliceMs` is a test hook:
   * every slice takes that much longer, holding the thread as heavy work would (and the slices shrink to
   * their smallest, as they would for heavy work), so a test can show requests still get their turn.
   */
  prepare(p: Principal, type: string, q: ReportQuery, out: RowSink, slowSliceMs = 0): ReportRun {
    const t = type as ReportType;
    if (!INFO[t]) throw new ApiError('not_found', `No report "${type}"`, { reason: 'report_not_found' });
    const today = dayOf(this.clock.now());
    const from = q.from ?? `${today.slice(0, 7)}-01`;
    const to = q.to ?? today;
    if (to < from)
      throw new ApiError('validation_failed', `The period ${from}..${to} is empty`, { reason: 'bad_period' });
    const columns = INFO[t].columns.map(([key, kind]) =>
      kind === 'free' ? { key, kind: 'text' as const, freeText: true as const } : { key, kind },
    );
    const range = { from, to: addDays(to, 1) };
    if (t === 'activity') requirePermission(p, 'audit:read');
    const numbers = this.numbers(p, q);
    const parts = this.parts(t, p, q, range, numbers);
    let next = 0;
    let finished = false;
    const slice = new SliceSize(SLICE);
    const usage = this.usage;
    const store = this.store;
    let totals: Row | null = null;
    return {
      total: parts.whole ? 1 : numbers.total,
      historyFrom:
        parts.historyFrom !== undefined && parts.historyFrom < usage.billingStart
          ? parts.historyFrom
          : undefined,
      head: { type: t, from: parts.period?.from ?? from, to: parts.period?.to ?? to, columns },
      done: () => (parts.whole ? (finished ? 1 : 0) : next),
      step() {
        if (finished) return false;
        if (parts.whole) {
          parts.each([], out);
        } else {
          const started = performance.now();
          const chunk = numbers.next(slice.size);
          next += chunk.length;
          let lines = store.billing.linesOf(chunk);
          if (q.account !== undefined) lines = lines.filter((l) => l.accountId === q.account);
          if (lines.length) parts.each(lines, out);
          if (slowSliceMs) holdThread(slowSliceMs);
          slice.took(chunk.length, since(started));
          if (chunk.length > 0 && next < numbers.total) return true;
        }
        finished = true;
        totals = parts.finish(out);
        return true;
      },
      totals: () => totals,
    };
  }

  private parts(
    t: ReportType,
    p: Principal,
    q: ReportQuery,
    range: { from: string; to: string },
    numbers: NumberSource,
  ): Parts {
    switch (t) {
      case 'expenses':
        return this.expenses(q, range);
      case 'usage':
        return this.usageReport(range);
      case 'inventory':
        return this.inventory((r) => r);
      case 'blocked':
        return this.inventory((r) =>
          r.status === 'blocked'
            ? {
                msisdn: r.msisdn,
                employee: r.employee,
                group: r.group,
                reason: r.blockReason,
                since: r.blockedSince,
              }
            : undefined,
        );
      case 'limits':
        return this.breaches(range, numbers);
      case 'activity':
        return this.activity(p, q, range);
      case 'tariff-optimization':
        return this.optimization();
    }
  }

  /**
   * The numbers a report covers: scope, then --group, --number, a list (--account is applied per slice).
   * Over a whole scope they are counted now and read a page at a time as the slices ask (reading all
   * 100,000 at once held the thread 70-250 ms); a number or a list the caller gave is filtered at once.
   */
  private numbers(p: Principal, q: ReportQuery): NumberSource {
    const groups = this.store.catalog.groupRecords();
    const ids = scopedGroupIds(scopeOf(p, 'reports:read', groups), groups, q.group);
    if (q.number === undefined && q.numbers === undefined) {
      let after = '';
      return {
        total: this.store.billing.countIn(ids),
        next: (limit) => {
          const page = this.store.billing.msisdnsIn(ids, after, limit);
          after = page[page.length - 1] ?? after;
          return page;
        },
        among: (list) => this.store.billing.msisdnsAmong(ids, list),
      };
    }
    // Numbers outside the scope are left out, as if unknown (they would be in any other list). Looked up
    // among the ones asked for, not by reading every number of the scope (a million at 1,000,000 lines).
    let wanted = q.numbers !== undefined ? q.numbers.map((n) => requireMsisdn(n)) : undefined;
    if (q.number !== undefined) {
      const m = requireMsisdn(q.number);
      wanted = wanted === undefined || wanted.includes(m) ? [m] : [];
    }
    const msisdns = this.store.billing.msisdnsAmong(ids, [...new Set(wanted)]);
    let at = 0;
    return {
      total: msisdns.length,
      next: (limit) => msisdns.slice(at, (at += limit)),
      among: (list) => {
        const mine = new Set(msisdns);
        return list.filter((m) => mine.has(m));
      },
    };
  }

  private groupNames(): Map<string, string> {
    return new Map(this.store.catalog.groupRecords().map((g) => [g.id, g.name]));
  }

  private expenses(q: ReportQuery, range: { from: string; to: string }): Parts {
    const by = q.by ?? 'number';
    const names = this.groupNames();
    const accounts = new Map(this.store.catalog.accounts(null).map((a) => [a.id, a.name]));
    // By group or account: a few rows, kept to the end. By number: a slice's rows, handed on with it
    // (a number's charges all come in its slice), ordered by their total as the sink writes them.
    const acc = new Map<string, Row>();
    const zero = () => ({ tariffFees: 0, serviceFees: 0, usage: 0, oneTime: 0, total: 0 });
    const totals: Row = { key: 'total', numbers: 0, ...zero() };
    const field = {
      tariff_fee: 'tariffFees',
      service_fee: 'serviceFees',
      usage: 'usage',
      one_time: 'oneTime',
    };
    return {
      each: (lines, out) => {
        const lineOf = new Map(lines.map((l) => [l.msisdn, l]));
        const rows = by === 'number' ? new Map<string, Row>() : acc;
        // Numbers per row, counted a slice at a time: a number is in one slice only.
        const counted = new Set<string>();
        for (const c of this.store.billing.chargesByLine(
          lines.map((l) => l.msisdn),
          `${range.from}T00:00:00.000Z`,
          `${range.to}T00:00:00.000Z`,
        )) {
          const line = lineOf.get(c.msisdn) as BillingLine;
          const key = by === 'number' ? c.msisdn : by === 'group' ? line.groupId : c.accountId;
          let row = rows.get(key);
          if (!row) {
            const name =
              by === 'number' ? line.employee : by === 'group' ? names.get(key) : accounts.get(key);
            row = { key, name: name ?? '', numbers: 0, ...zero() };
            rows.set(key, row);
          }
          if (!counted.has(`${key}\u0000${c.msisdn}`)) {
            counted.add(`${key}\u0000${c.msisdn}`);
            row.numbers = (row.numbers as number) + 1;
            totals.numbers = (totals.numbers as number) + 1;
          }
          const f = field[c.kind];
          row[f] = (row[f] as number) + c.amount;
          row.total = (row.total as number) + c.amount;
          totals[f] = (totals[f] as number) + c.amount;
          totals.total = (totals.total as number) + c.amount;
        }
        // In msisdn order: ties of the total keep it, as the sort by key did.
        if (by === 'number') for (const row of rows.values()) out.push(row, row.total as number);
      },
      finish: (out) => {
        if (by !== 'number') {
          const rows = [...acc.values()].sort(
            // Ties by key in code-point order: localeCompare cost 100 ms over 100,000 rows.
            (a, b) => (b.total as number) - (a.total as number) || (String(a.key) < String(b.key) ? -1 : 1),
          );
          for (const row of rows) out.push(row);
        }
        return totals;
      },
    };
  }

  private usageReport(range: { from: string; to: string }): Parts {
    const sum = zeroUsage();
    return {
      historyFrom: range.from,
      each: (lines, out) => {
        const usage = this.store.billing.usageSums(
          lines.map((l) => l.msisdn),
          range.from,
          range.to,
        );
        for (const line of lines) {
          const u = usage.get(line.msisdn) ?? zeroUsage();
          out.push({ msisdn: line.msisdn, employee: line.employee, tariff: line.tariff, ...u });
          for (const k of Object.keys(sum) as (keyof UsageTotals)[]) sum[k] += u[k];
        }
      },
      finish: () => ({ msisdn: 'total', ...sum }) as Row,
    };
  }

  /** Every line as the inventory shows it; `pick` keeps, reshapes or drops (undefined) each row. */
  private inventory(pick: (r: Row) => Row | undefined): Parts {
    const names = this.groupNames();
    return {
      each: (lines, out) => {
        const states = this.store.changes.lines(lines.map((l) => l.msisdn));
        for (const l of lines) {
          const s = states.get(l.msisdn);
          const row = pick({
            msisdn: l.msisdn,
            employee: l.employee,
            group: names.get(l.groupId) ?? l.groupId,
            account: l.accountId,
            region: l.region,
            tariff: l.tariff,
            services: s?.services ?? [],
            status: l.status,
            limit: s?.limit?.monthly ?? null,
            blockReason: l.blockReason,
            blockedSince: l.blockedSince,
          });
          if (row) out.push(row);
        }
      },
      finish: () => null,
    };
  }

  private breaches(range: { from: string; to: string }, numbers: NumberSource): Parts {
    return {
      whole: true,
      each: (_lines, out) => {
        const breaches = this.store.limits.breaches(
          null,
          `${range.from}T00:00:00.000Z`,
          `${range.to}T00:00:00.000Z`,
        );
        // The few breached numbers looked up in the scope, not every number of the scope read.
        const inScope = new Set(numbers.among([...new Set(breaches.map((b) => b.msisdn))]));
        const found = breaches.filter((b) => inScope.has(b.msisdn));
        const lines = new Map(
          this.store.billing.linesOf([...new Set(found.map((b) => b.msisdn))]).map((l) => [l.msisdn, l]),
        );
        for (const b of found)
          out.push({
            time: b.time,
            msisdn: b.msisdn,
            employee: lines.get(b.msisdn)?.employee ?? '',
            monthly: b.monthly,
            spent: b.spent,
            action: b.action,
            operationId: b.operationId,
          });
      },
      finish: () => null,
    };
  }

  private activity(p: Principal, q: ReportQuery, range: { from: string; to: string }): Parts {
    return {
      whole: true,
      each: (_lines, out) => {
        const scope = scopeOf(p, 'audit:read', this.store.catalog.groupRecords());
        const entries = this.store.audit.list({
          actor: q.actor,
          target: q.number !== undefined ? requireMsisdn(q.number) : undefined,
          since: `${range.from}T00:00:00.000Z`,
          until: `${range.to}T00:00:00.000Z`,
          groupIds: scopeIds(scope),
          before: Number.MAX_SAFE_INTEGER,
          limit: MAX_ACTIVITY_ROWS,
        });
        for (const e of entries)
          out.push({ time: e.time, actor: e.actor, action: e.action, target: e.target, result: e.result });
      },
      finish: () => null,
    };
  }

  /**
   * For each active line: what its last three full calendar months would have cost on every tariff of
   * its region that its services allow; a row when another tariff is cheaper on average.
   */
  private optimization(): Parts {
    const month = dayOf(this.clock.now()).slice(0, 7);
    const months: { start: string; end: string }[] = [];
    let m = month;
    for (let i = 0; i < 3; i++) {
      m = addDays(`${m}-01`, -1).slice(0, 7);
      months.unshift(monthRange(m));
    }
    const tariffs = this.store.catalog.tariffs();
    const services = new Map(this.store.catalog.services().map((s) => [s.code, s]));
    let saving = 0;
    const first = months[0] as { start: string };
    const last = months[months.length - 1] as { end: string };
    return {
      historyFrom: first.start,
      // It looks at the last three full months, not at --from/--to: say so in the report's period.
      period: { from: first.start, to: addDays(last.end, -1) },
      each: (all, out) => {
        const lines = all.filter((l) => l.status === 'active');
        const msisdns = lines.map((l) => l.msisdn);
        const states = this.store.changes.lines(msisdns);
        const byMonth = months.map((r) => this.store.billing.usageSums(msisdns, r.start, r.end));
        for (const line of lines) {
          const usages: PeriodUsage[] = byMonth.map((u) => u.get(line.msisdn) ?? zeroUsage());
          const lineServices = states.get(line.msisdn)?.services ?? [];
          const average = (t: (typeof tariffs)[number]) =>
            Math.round(usages.reduce((s, u) => s + periodCost(t, u), 0) / usages.length);
          const current = tariffs.find((t) => t.code === line.tariff);
          if (!current) continue;
          const currentCost = average(current);
          let best: { code: string; cost: number } | undefined;
          for (const t of tariffs) {
            if (t.code === line.tariff || !t.regions.includes(line.region)) continue;
            if (lineServices.some((s) => services.get(s)?.incompatibleWith.includes(t.code))) continue;
            const cost = average(t);
            if (!best || cost < best.cost) best = { code: t.code, cost };
          }
          if (best && best.cost < currentCost) {
            saving += currentCost - best.cost;
            out.push(
              {
                msisdn: line.msisdn,
                employee: line.employee,
                tariff: line.tariff,
                currentCost,
                suggested: best.code,
                suggestedCost: best.cost,
                saving: currentCost - best.cost,
              },
              currentCost - best.cost,
            );
          }
        }
      },
      finish: () => ({ msisdn: 'total', saving }) as Row,
    };
  }
}

/** Blocks the thread for `ms` (the slow-slice test hook), as synchronous work would. */
function holdThread(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
