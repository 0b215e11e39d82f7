import {
  diffState,
  parseSavedPlan,
  parseServiceList,
  parseYesNo,
  planDrift,
  savePlan,
  type CurrentLine,
} from '../../src/domain/desired-state.js';

const fees = {
  tariff: (c: string) => ({ SMART: 49000, VOICE_ECO: 15000, UNLIM: 195000 })[c] ?? 0,
  service: (c: string) => ({ ANTISPAM: 5900, ROAM_EU: 49000, DATA_PLUS_10: 30000 })[c] ?? 0,
};
const line = (msisdn: string, more: Partial<CurrentLine> = {}): CurrentLine => ({
  msisdn,
  tariff: 'SMART',
  services: [],
  status: 'active',
  groupId: 'it',
  ...more,
});

describe('diffState', () => {
  it('removes services before the tariff changes, adds after, then moves and blocks', () => {
    const current = new Map([['+79160000001', line('+79160000001', { services: ['DATA_PLUS_10'] })]]);
    const diff = diffState(
      [
        {
          msisdn: '+79160000001',
          tariff: 'unlim',
          services: ['ANTISPAM'],
          group: 'sales',
          blocked: true,
          where: 's.csv:2',
        },
      ],
      current,
      fees,
    );
    expect(diff.steps.map((s) => s.type)).toEqual([
      'service.remove',
      'tariff.change',
      'service.add',
      'group.move',
      'number.block',
    ]);
    expect(diff.steps[1]?.targets).toEqual([{ msisdn: '+79160000001', params: { tariff: 'UNLIM' } }]);
    expect(diff.monthlyDelta).toBe(-30000 + (195000 - 49000) + 5900);
  });

  it('gives nothing to do when the numbers already match, so apply twice changes nothing', () => {
    const current = new Map([
      ['+79160000001', line('+79160000001', { services: ['ANTISPAM'], status: 'blocked' })],
    ]);
    const diff = diffState(
      [
        {
          msisdn: '+79160000001',
          tariff: 'SMART',
          services: ['antispam'],
          blocked: true,
          group: 'it',
          where: 's.csv:2',
        },
      ],
      current,
      fees,
    );
    expect(diff.steps).toEqual([]);
    expect(diff.changes).toEqual([]);
  });

  it('leaves fields with empty cells alone and reports unknown numbers', () => {
    const current = new Map([['+79160000001', line('+79160000001', { services: ['ROAM_EU'] })]]);
    const diff = diffState(
      [
        { msisdn: '+79160000001', where: 's.csv:2' },
        { msisdn: '+79160000009', tariff: 'SMART', where: 's.csv:3' },
      ],
      current,
      fees,
    );
    expect(diff.steps).toEqual([]);
    expect(diff.unknown.map((u) => u.where)).toEqual(['s.csv:3']);
  });

  it('unblocks blocked numbers that should not be, and never touches terminated ones', () => {
    const current = new Map([
      ['+79160000001', line('+79160000001', { status: 'blocked' })],
      ['+79160000002', line('+79160000002', { status: 'terminated' })],
    ]);
    const diff = diffState(
      [
        { msisdn: '+79160000001', blocked: false, where: 's.csv:2' },
        { msisdn: '+79160000002', blocked: true, where: 's.csv:3' },
      ],
      current,
      fees,
    );
    expect(diff.steps).toEqual([
      { type: 'number.unblock', params: {}, targets: [{ msisdn: '+79160000001' }] },
    ]);
  });
});

describe('state cells', () => {
  it('reads yes/no in English and Russian', () => {
    expect(['yes', 'Да', '1', 'true'].map(parseYesNo)).toEqual([true, true, true, true]);
    expect(['no', 'нет', '0', 'false'].map(parseYesNo)).toEqual([false, false, false, false]);
    expect(parseYesNo('')).toBeUndefined();
    expect(parseYesNo('maybe')).toBeNull();
  });

  it('splits service lists on spaces, commas and semicolons; "-" means none', () => {
    expect(parseServiceList('antispam, ROAM_EU;mms')).toEqual(['ANTISPAM', 'ROAM_EU', 'MMS']);
    expect(parseServiceList('-')).toEqual([]);
    expect(parseServiceList(' ')).toBeUndefined();
  });
});

describe('saved plans', () => {
  const about = { id: 'plan_1', createdAt: '2026-11-20T10:00:00Z', server: 'http://x', source: 's.csv' };
  const current = () =>
    new Map([
      ['+79160000001', line('+79160000001', { services: ['ROAM_EU', 'ANTISPAM'] })],
      ['+79160000002', line('+79160000002', { status: 'blocked' })],
    ]);
  const plan = () =>
    savePlan(
      diffState(
        [
          { msisdn: '+79160000001', services: ['ANTISPAM', 'DATA_PLUS_10'], where: 's.csv:2' },
          { msisdn: '+79160000002', blocked: false, group: 'sales', where: 's.csv:3' },
        ],
        current(),
        fees,
      ),
      current(),
      about,
    );

  it('keeps each number it changes as it is now and as it will be', () => {
    expect(plan().numbers).toEqual([
      {
        msisdn: '+79160000001',
        now: { tariff: 'SMART', services: ['ANTISPAM', 'ROAM_EU'], status: 'active', group: 'it' },
        after: { tariff: 'SMART', services: ['ANTISPAM', 'DATA_PLUS_10'], status: 'active', group: 'it' },
      },
      {
        msisdn: '+79160000002',
        now: { tariff: 'SMART', services: [], status: 'blocked', group: 'it' },
        after: { tariff: 'SMART', services: [], status: 'active', group: 'sales' },
      },
    ]);
  });

  it('finds no drift while the numbers are as planned, services in any order', () => {
    const same = current();
    same.set('+79160000001', line('+79160000001', { services: ['ANTISPAM', 'ROAM_EU'] }));
    expect(planDrift(plan(), same)).toEqual([]);
  });

  it('names every field that moved, and a number that is gone', () => {
    const moved = new Map([['+79160000001', line('+79160000001', { tariff: 'UNLIM', services: [] })]]);
    expect(planDrift(plan(), moved)).toEqual([
      { msisdn: '+79160000001', field: 'tariff', planned: 'SMART', now: 'UNLIM' },
      { msisdn: '+79160000001', field: 'services', planned: 'ANTISPAM,ROAM_EU', now: '' },
      { msisdn: '+79160000002', field: 'number', planned: '+79160000002', now: '' },
    ]);
  });

  it('reads back what it saved, and nothing that is not a whole plan', () => {
    const saved = plan();
    expect(parseSavedPlan(`\uFEFF${JSON.stringify(saved)}`)).toEqual(saved);
    expect(parseSavedPlan('{"vmPlan": 1}')).toBeUndefined();
    expect(parseSavedPlan(JSON.stringify({ ...saved, numbers: [{ msisdn: '+7' }] }))).toBeUndefined();
    expect(parseSavedPlan('number,tariff')).toBeUndefined();
  });
});
