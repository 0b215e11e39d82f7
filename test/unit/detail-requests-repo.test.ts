import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../../src/backend/store/db.js';

import { DetailRequestsRepo } from '../../src/backend/store/detail-requests-repo.js';

describe('DetailRequestsRepo.dayTotals', () => {
  let db: Db;
  let dir: string;

  beforeAll(() => {
    // The backend's own schema, migrated as a data dir is (no copy of the table to drift from it).
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-dr-repo-'));
    db = openDatabase(dir);
    const insert = db.prepare(
      `INSERT INTO usage_days VALUES (?, ?, 'acc', 'T', 0, 0, 0, 0, 0, 0, ?, 0, 0, 0, 0, 0, 0, 0, ?, ?)`,
    );
    const days: [string, string, number, number, number][] = [
      ['79160000001', '2026-10-31', 100, 1000, 1], // before the period
      ['79160000001', '2026-11-01', 10, 150, 1],
      ['79160000001', '2026-11-02', 20, -50, 0],
      ['79160000002', '2026-11-01', 30, 0, 0],
      ['79160000002', '2026-11-03', 40, 7, 1],
      ['79160000002', '2026-11-04', 50, 5000, 0], // the period's end is not in it
      ['79160000003', '2026-11-01', 60, 9, 0], // not asked for
    ];
    db.transaction(() => days.forEach((d) => insert.run(...d)))();
  });

  afterAll(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('adds up records and cost of the asked numbers in [from, to) and lists the days without records', () => {
    const totals = new DetailRequestsRepo(db).dayTotals(
      ['79160000002', '79160000001'],
      '2026-11-01',
      '2026-11-04',
    );
    expect(totals).toEqual({
      records: 100,
      cost: 107,
      unstored: [
        { msisdn: '79160000001', day: '2026-11-02' },
        { msisdn: '79160000002', day: '2026-11-01' },
      ],
    });
  });

  it('is zero for numbers without days there, and for no numbers', () => {
    const repo = new DetailRequestsRepo(db);
    expect(repo.dayTotals(['79160000009'], '2026-11-01', '2026-11-04')).toEqual({
      records: 0,
      cost: 0,
      unstored: [],
    });
    expect(repo.dayTotals([], '2026-11-01', '2026-11-04')).toEqual({ records: 0, cost: 0, unstored: [] });
  });

  it('names the numbers that have every day of [from, to) stored', () => {
    const repo = new DetailRequestsRepo(db);
    const asked = ['79160000001', '79160000002', '79160000003', '79160000009'];
    expect(repo.numbersWithEveryDay(asked, '2026-11-01', '2026-11-03', 2)).toEqual(new Set(['79160000001']));
    expect(repo.numbersWithEveryDay(asked, '2026-10-31', '2026-11-03', 3)).toEqual(new Set(['79160000001']));
    expect(repo.numbersWithEveryDay(asked, '2026-11-03', '2026-11-05', 2)).toEqual(new Set(['79160000002']));
    expect(repo.numbersWithEveryDay(asked, '2026-11-01', '2026-11-02', 1)).toEqual(
      new Set(['79160000001', '79160000002', '79160000003']),
    );
    expect(repo.numbersWithEveryDay([], '2026-11-01', '2026-11-02', 1)).toEqual(new Set());
  });
});
