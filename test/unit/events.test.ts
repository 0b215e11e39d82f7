import { Readable } from 'node:stream';
import type { AuditEntry } from '../../src/api/auth.js';
import type { Event } from '../../src/api/events.js';
import { sseMessages } from '../../src/client/sse.js';
import { eventSummary } from '../../src/cli/event-summary.js';
import { lineHistory } from '../../src/cli/line-history.js';
import { lineChangeEvents, parseTypePatterns, typesOf } from '../../src/domain/events.js';

async function messages(chunks: string[]) {
  const out = [];
  let retry: number | undefined;
  for await (const m of sseMessages(Readable.from(chunks.map((c) => Buffer.from(c))), (ms) => (retry = ms)))
    out.push(m);
  return { out, retry };
}

describe('sseMessages', () => {
  it('parses events split anywhere, CRLF and CR line ends, comments, and an id-only message', async () => {
    const { out, retry } = await messages([
      'retry: 2000\nid: 7\n\n: keep-alive\n\n',
      'id: 8\r\nevent: line.blocked\r\nda',
      'ta: {"a":1}\r\n\r',
      '\nid: 9\revent: x\rdata: one\rdata:two\r\r',
      'data: cut off without its blank line',
    ]);
    expect(retry).toBe(2000);
    expect(out).toEqual([
      { id: '7', event: 'message', data: '' },
      { id: '8', event: 'line.blocked', data: '{"a":1}' },
      { id: '9', event: 'x', data: 'one\ntwo' },
    ]);
  });

  it('keeps a multi-byte character split between chunks', async () => {
    const bytes = Buffer.from('data: Номер\n\n');
    const chunks = [bytes.subarray(0, 8), bytes.subarray(8)];
    const out = [];
    for await (const m of sseMessages(Readable.from(chunks))) out.push(m.data);
    expect(out).toEqual(['Номер']);
  });
});

describe('event types', () => {
  it('expands families and refuses a pattern that matches nothing', () => {
    expect(parseTypePatterns('operation.*, limit.breached')).toEqual({
      patterns: ['operation.*', 'limit.breached'],
    });
    expect(typesOf(['operation.*'])).toEqual(['operation.finished', 'operation.item_failed']);
    expect(parseTypePatterns('line.blockd')).toEqual({ unknown: 'line.blockd' });
  });

  it('words each change of a number as its own event', () => {
    expect(
      lineChangeEvents(
        { status: 'active', blockReason: null, tariff: 'SMART' },
        { status: 'blocked', blockReason: 'lost', tariff: 'SMART' },
      ),
    ).toEqual([
      { type: 'line.blocked', data: { reason: 'lost' } },
      { type: 'line.status_changed', data: { from: 'active', to: 'blocked' } },
    ]);
    expect(lineChangeEvents({ services: ['A', 'B'] }, { services: ['B', 'C'] })).toEqual([
      { type: 'line.services_changed', data: { added: ['C'], removed: ['A'] } },
    ]);
    expect(lineChangeEvents({ tariff: 'X' }, { tariff: 'X' })).toEqual([]);
  });
});

describe('eventSummary', () => {
  it('shows a change as from → to, services as +/−, failed items, and leaves the operation out', () => {
    expect(eventSummary({ data: { from: 'active', to: 'blocked', operationId: 'op_1' } })).toBe(
      'active → blocked',
    );
    expect(eventSummary({ data: { added: ['ROAM'], removed: ['MUSIC'] } })).toBe('+ROAM −MUSIC');
    expect(eventSummary({ data: { threshold: 80, notify: [], ruleId: null } })).toBe('threshold=80');
    expect(
      eventSummary({
        data: {
          count: 4,
          items: [1, 2, 3, 4].map((i) => ({ number: `+7916000000${i}`, code: 'not_found' })),
        },
      }),
    ).toBe('+79160000001 not_found, +79160000002 not_found, +79160000003 not_found, …  count=4');
  });
});

describe('lineHistory', () => {
  const event = (id: number, time: string, type: string, data: Record<string, unknown>): Event => ({
    id,
    time,
    type,
    subjectType: 'number',
    subject: '+79161234567',
    groupId: 'sales',
    data,
  });
  const audit = (time: string, action: string, params: Record<string, unknown>): AuditEntry => ({
    id: 1,
    time,
    actor: 'admin@demo.test',
    actorType: 'user',
    action,
    target: '+79161234567',
    params,
    result: 'ok',
    ip: '',
    requestId: '',
  });

  it('merges a change both tell of into one entry with its author, oldest first', () => {
    const history = lineHistory(
      [
        event(5, '2026-11-03T10:00:00.000Z', 'line.tariff_changed', {
          from: 'SMART',
          to: 'SMART_PLUS',
          operationId: 'op_b',
        }),
        event(6, '2026-11-04T10:00:00.000Z', 'limit.breached', { monthly: 100, spent: 120 }),
      ],
      [
        audit('2026-11-03T10:00:00.000Z', 'tariff.change', {
          operationId: 'op_b',
          before: { tariff: 'SMART' },
          after: { tariff: 'SMART_PLUS' },
        }),
        audit('2026-10-01T09:00:00.000Z', 'service.add', {
          operationId: 'op_a',
          before: { services: [] },
          after: { services: ['ROAM'] },
        }),
        audit('2026-11-04T10:00:00.000Z', 'limit.breach', { monthly: 100 }),
      ],
    );
    expect(history.map((h) => [h.change, h.by, h.operationId])).toEqual([
      ['line.services_changed', 'admin@demo.test', 'op_a'],
      ['line.tariff_changed', 'admin@demo.test', 'op_b'],
      ['limit.breached', null, null],
    ]);
    expect(history[1]).toMatchObject({ from: 'SMART', to: 'SMART_PLUS' });
    expect(history[2]?.detail).toBe('monthly=100  spent=120');
  });
});
