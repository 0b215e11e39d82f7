import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Page } from '../../api/common.js';
import type { CdrQueryBody, DetailRequest, DetailRequestBody } from '../../api/billing.js';
import { recordEvent } from './events.js';
import { ApiError } from '../../api/errors.js';
import { addDays, daysBetween } from '../../domain/billing.js';
import { CDR_FIELDS } from '../../domain/cdr.js';
import type { Clock } from '../../domain/clock.js';
import { tryParseMsisdn } from '../../domain/msisdn.js';
import { exportLayout, type ExportLayout, type RecordFormat } from '../../domain/record-format.js';
import type { BillingLine, UsageDay } from '../store/billing-repo.js';
import type { DetailRequestRecord } from '../store/detail-requests-repo.js';
import type { Store } from '../store/store.js';
import { actorName, inScope, scopeOf, scopedGroupIds, type Principal } from './authz.js';
import type { Usage } from './usage.js';
import { decodeCursor, pageOf } from './paging.js';
import { SliceSize, nextTurn, since } from './slice-size.js';

/**
 * Numbers a background request's step prepares, one transaction of about 10 ms: a number whose month
 * is stored costs little (a few hundred of them fit), one whose records are still to make a month of
 * generation; a fixed 50 was 6 ms of the first and 100 ms and more of the second.
 */
const SLICE = { budgetMs: 10, min: 5, max: 2000, start: 50 };
/** Numbers a stream prepares (for cdr.query) and reads between two turns of the event loop. */
const READ_BATCH = 30;
/**
 * Text a stream passes on at once, at least, in characters: a number's month is ~30,000, so most go
 * alone and small ones are joined. Strings stay below V8's large-object size (128 KB, two bytes a
 * character once they hold Cyrillic) so that they are young garbage like any other; joining to 32,000
 * or 60,000 saved no CPU and held 9-12 MB more (1M records: backend CPU 1,510 / 1,510 / 1,610 ms,
 * peak RSS 129 / 138 / 141 MB for 16,000 / 32,000 / 60,000).
 */
const WRITE_CHARS = 16_000;
/** The longest period one export may cover. */
const MAX_DAYS = 366;

/** A stream answer: what to send and as what. */
export interface RecordStream {
  contentType: string;
  body: Readable;
}

/**
 * Call detail records: streamed for a few numbers (`cdr.query`), or prepared in the background for many
 * (`detail-requests`) and then downloaded. Records are generated into the database on first read, a few
 * numbers per transaction, and read back number by number — nothing holds a whole export in memory.
 */
export class DetailService {
  private readonly numberLists = new Map<string, string[]>();
  private readonly slice = new SliceSize(SLICE);

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly usage: Usage,
    private readonly kick: () => void,
  ) {}

  /** The records of the numbers and days asked, as a stream. */
  query(p: Principal, body: CdrQueryBody): RecordStream {
    const { msisdns, from, to } = this.resolve(p, body);
    return this.stream(msisdns, from, to, this.writer(body.format, body.fields, body.excel, body.rawCsv));
  }

  /** Starts a background export (exactly once per Idempotency-Key). */
  createRequest(p: Principal, body: DetailRequestBody, key: string | undefined): DetailRequest {
    const bodyHash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    if (key) {
      const earlier = this.store.detailRequests.byKey(p.user.id, key);
      if (earlier) {
        if (earlier.bodyHash !== bodyHash)
          throw new ApiError('idempotency_conflict', 'This Idempotency-Key was used with another request', {
            reason: 'idempotency_conflict',
            requestId: earlier.id,
          });
        return view(earlier, true);
      }
    }
    const { msisdns, from, to } = this.resolve(p, body);
    const id = `dr_${randomBytes(8).toString('hex')}`;
    this.store.detailRequests.insert({
      id,
      createdBy: p.user.id,
      actor: actorName(p),
      idempotencyKey: key ?? null,
      bodyHash,
      numbers: JSON.stringify(msisdns),
      dayFrom: from,
      dayTo: addDays(to, -1),
      state: msisdns.length === 0 ? 'done' : 'queued',
      total: msisdns.length,
      createdAt: this.clock.now().toISOString(),
    });
    this.kick();
    return this.show(p, id);
  }

  /** One of the caller's requests. */
  show(p: Principal, id: string): DetailRequest {
    return view(this.own(p, id), false);
  }

  /** A request of the caller's, with its numbers; someone else's looks unknown. */
  private own(p: Principal, id: string): DetailRequestRecord {
    const r = this.store.detailRequests.get(id);
    if (!r || r.createdBy !== p.user.id)
      throw new ApiError('not_found', `No detail request ${id}`, { reason: 'detail_request_not_found' });
    return r;
  }

  /** The caller's requests, newest first. */
  list(p: Principal, q: { limit?: number; cursor?: string }): Page<DetailRequest> {
    const limit = q.limit ?? 100;
    const before = decodeCursor(q.cursor) ?? '\uffff';
    return pageOf(
      this.store.detailRequests.list(p.user.id, before, limit + 1),
      limit,
      (r) => `${r.createdAt}|${r.id}`,
      (r) => view(r, false),
    );
  }

  /** The records of a finished request. */
  file(
    p: Principal,
    id: string,
    q: { format?: RecordFormat; excel?: boolean; rawCsv?: boolean; fields?: string },
  ): RecordStream {
    const r = this.own(p, id);
    if (r.state !== 'done')
      throw new ApiError(
        'conflict',
        `Detail request ${id} is not ready yet (${r.done} of ${r.total} numbers)`,
        {
          reason: 'not_ready',
        },
      );
    const fields = q.fields?.split(',').map((f) => f.trim());
    for (const f of fields ?? [])
      if (!(CDR_FIELDS as readonly string[]).includes(f))
        throw new ApiError('validation_failed', `Unknown field "${f}"`, {
          reason: 'unknown_field',
          field: f,
        });
    return this.stream(
      JSON.parse(r.numbers) as string[],
      r.dayFrom,
      addDays(r.dayTo, 1),
      this.writer(q.format, fields as (typeof CDR_FIELDS)[number][] | undefined, q.excel, q.rawCsv),
      false,
    );
  }

  /** Prepares the next numbers of the oldest pending request; false when none is pending. */
  step(): boolean {
    const id = this.store.detailRequests.nextPending();
    if (!id) return false;
    const started = performance.now();
    const size = this.store.transaction(() => {
      const r = this.store.detailRequests.get(id) as DetailRequestRecord;
      const batch = this.numbersOf(r).slice(r.done, r.done + this.slice.size);
      const { records, cost } = this.prepare(batch, r.dayFrom, addDays(r.dayTo, 1));
      const finished = r.done + batch.length >= r.total;
      this.store.detailRequests.progress(
        id,
        batch.length,
        records,
        cost,
        finished ? this.clock.now().toISOString() : null,
      );
      if (finished) {
        this.numberLists.delete(id);
        recordEvent(this.store, this.clock, {
          type: 'detail_request.ready',
          subject: id,
          userId: r.createdBy,
          data: { numbers: r.total, records: r.records + records, cost: r.cost + cost },
        });
      }
      return batch.length;
    });
    this.slice.took(size, since(started));
    return true;
  }

  /** The numbers of a request being prepared, parsed once for all its steps (dropped when it is done). */
  private numbersOf(r: DetailRequestRecord): string[] {
    let list = this.numberLists.get(r.id);
    if (!list) {
      list = JSON.parse(r.numbers) as string[];
      this.numberLists.set(r.id, list);
    }
    return list;
  }

  private writer(
    format: RecordFormat | undefined,
    fields: readonly string[] | undefined,
    excel: boolean | undefined,
    rawCsv: boolean | undefined,
  ): ExportLayout {
    return exportLayout(format ?? 'jsonl', fields ?? CDR_FIELDS, excel === true, rawCsv === true);
  }

  /** Which numbers and days: exactly one of numbers, group, all; numbers outside the caller's scope are unknown. */
  private resolve(p: Principal, body: DetailRequestBody): { msisdns: string[]; from: string; to: string } {
    const chosen = [body.numbers !== undefined, body.group !== undefined, body.all === true].filter(Boolean);
    if (chosen.length !== 1)
      throw new ApiError('validation_failed', 'Give exactly one of numbers, group or all', {
        reason: 'one_target_kind',
      });
    const today = this.clock.now().toISOString().slice(0, 10);
    const first = body.from ?? `${today.slice(0, 7)}-01`;
    const last = body.to ?? today;
    const to = addDays(last, 1);
    if (Number.isNaN(Date.parse(first)) || Number.isNaN(Date.parse(last)) || last < first)
      throw new ApiError('validation_failed', `The period ${first}..${last} is empty`, {
        reason: 'bad_period',
      });
    if (daysBetween(first, to) > MAX_DAYS)
      throw new ApiError('validation_failed', `At most ${MAX_DAYS} days per export`, {
        reason: 'period_too_long',
      });
    const groups = this.store.catalog.groupRecords();
    const scope = scopeOf(p, 'detail:read', groups);
    let msisdns: string[];
    if (body.numbers) {
      const wanted = [...new Set(body.numbers.map((n) => tryParseMsisdn(n) ?? n))];
      const lines = new Map(this.store.billing.linesOf(wanted).map((l) => [l.msisdn, l]));
      const unknown = wanted.filter((m) => {
        const line = lines.get(m);
        return !line || !inScope(scope, line.groupId);
      });
      if (unknown.length)
        throw new ApiError(
          'not_found',
          `Unknown number ${unknown[0]}${unknown.length > 1 ? ` and ${unknown.length - 1} more` : ''}`,
          {
            reason: 'numbers_not_found',
            numbers: unknown.slice(0, 20),
          },
        );
      msisdns = wanted.sort();
    } else {
      msisdns = this.store.billing.msisdnsIn(scopedGroupIds(scope, groups, body.group));
    }
    return { msisdns, from: first, to };
  }

  /** Generates what is missing for these numbers over [from, to) in one transaction; counts the records. */
  private prepare(msisdns: string[], from: string, to: string): { records: number; cost: number } {
    const lines = new Map(this.store.billing.linesOf(msisdns).map((l) => [l.msisdn, l]));
    // History (the days before billing started) is made on first need. A line that has every day of
    // [from, to) before billing started stored needs none made, and only the others go to
    // ensureHistoryFor, which reads every stored day of their billing periods: for a month already
    // stored that reading was most of preparing a request (~200 ms of 280 for 3,400 numbers).
    const historyEnd = to < this.usage.billingStart ? to : this.usage.billingStart;
    if (from < historyEnd) {
      const complete = this.store.detailRequests.numbersWithEveryDay(
        [...lines.keys()],
        from,
        historyEnd,
        daysBetween(from, historyEnd),
      );
      this.usage.ensureHistoryFor(
        [...lines.values()].filter((l) => !complete.has(l.msisdn)),
        from,
        to,
        true,
      );
    }
    const { records, cost, unstored } = this.store.detailRequests.dayTotals([...lines.keys()], from, to);
    for (const day of unstored) {
      const full = this.store.billing.usage([day.msisdn], day.day, addDays(day.day, 1))[0] as UsageDay;
      this.usage.materialize(lines.get(day.msisdn) as BillingLine, full);
    }
    return { records, cost };
  }

  /** Streams the records; `prepare` first generates what is missing (a finished request needs none). */
  private stream(
    msisdns: string[],
    from: string,
    to: string,
    writer: ExportLayout,
    prepare = true,
  ): RecordStream {
    const store = this.store;
    const ready = (batch: string[]) => {
      if (prepare) store.transaction(() => this.prepare(batch, from, to));
    };
    const fromTime = `${from}T00:00:00.000Z`;
    const toTime = `${to}T00:00:00.000Z`;
    const read = store.cdrLines.reader(writer);
    async function* lines(): AsyncGenerator<string> {
      let text = writer.head;
      for (let i = 0; i < msisdns.length; i += READ_BATCH) {
        const batch = msisdns.slice(i, i + READ_BATCH);
        ready(batch);
        for (const msisdn of batch) {
          text += read(msisdn, fromTime, toTime) ?? '';
          if (text.length >= WRITE_CHARS) {
            yield text;
            text = '';
          }
        }
        await nextTurn();
      }
      if (text) yield text;
    }
    // Object mode passes the strings on as they are: a byte stream would make each a Buffer.
    return { contentType: writer.contentType, body: Readable.from(lines(), { objectMode: true }) };
  }
}

function view(r: DetailRequestRecord, replayed: boolean): DetailRequest {
  return {
    id: r.id,
    state: r.state,
    from: r.dayFrom,
    to: r.dayTo,
    total: r.total,
    done: r.done,
    records: r.records,
    cost: r.cost,
    createdBy: r.actor,
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
    replayed,
  };
}
