import path from 'node:path';
import Database from 'better-sqlite3';
import { TARIFF_CHANGE_FEE } from '../../src/domain/operations.js';

/**
 * Reads the backend's database with a read-only connection of the test's own, then closes it. Safe
 * beside a running backend (WAL), but read it stopped when its figures must not move meanwhile.
 */
export function readBackendDb<T>(dataDir: string, read: (db: Database.Database) => T): T {
  const db = new Database(path.join(dataDir, 'vm-backend.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** An operation's row as the worker left it. */
export interface OperationTally {
  state: string;
  succeeded: number;
  skipped: number;
  failed: number;
}

interface ItemRow {
  seq: number;
  target: string;
  state: string;
  changes: number;
}

/**
 * Checks in the database that tariff change `operationId` of `total` numbers ended and applied each
 * succeeded item exactly once, and nothing else: one item per target, each succeeded, skipped or failed;
 * the operation's counters equal to its items; per succeeded item one `tariff.change` audit row naming the
 * operation, one one-time charge of the fee with ref `operationId:seq`, and one change on the number;
 * none of these for the other items. `numbers.changes` counts every change a number ever had, so the
 * operation must be the only change the backend made. Returns the operation's row.
 */
export function expectTariffChangeAppliedOnce(
  db: Database.Database,
  operationId: string,
  total: number,
): OperationTally {
  const items = db
    .prepare(
      `SELECT i.seq, i.target, i.state, ifnull(n.changes, 0) AS changes
       FROM operation_items i LEFT JOIN numbers n ON n.msisdn = i.target
       WHERE i.operation_id = ?`,
    )
    .all(operationId) as ItemRow[];
  expect({ items: items.length, targets: new Set(items.map((i) => i.target)).size }).toEqual({
    items: total,
    targets: total,
  });
  const count = (state: string) => items.filter((i) => i.state === state).length;
  const tally = { succeeded: count('succeeded'), skipped: count('skipped'), failed: count('failed') };
  expect(tally.succeeded + tally.skipped + tally.failed).toBe(total);
  const op = db
    .prepare('SELECT state, succeeded, skipped, failed, cancelled FROM operations WHERE id = ?')
    .get(operationId) as OperationTally & { cancelled: number };
  const state = tally.failed === 0 ? 'succeeded' : tally.failed < total ? 'partially_failed' : 'failed';
  expect(op).toEqual({ state, ...tally, cancelled: 0 });

  const audited = new Map(
    (
      db
        .prepare(
          `SELECT target, COUNT(*) AS n FROM audit
           WHERE action = 'tariff.change' AND json_extract(params, '$.operationId') = ? GROUP BY target`,
        )
        .all(operationId) as { target: string; n: number }[]
    ).map((a) => [a.target, a.n]),
  );
  const charged = new Map<string, string[]>();
  for (const c of db
    .prepare(`SELECT msisdn, ref, amount FROM charges WHERE kind = 'one_time' AND ref GLOB ?`)
    .all(`${operationId}:*`) as { msisdn: string; ref: string; amount: number }[]) {
    charged.set(c.msisdn, [...(charged.get(c.msisdn) ?? []), `${c.ref} ${c.amount}`]);
  }
  // What each item left behind against what it should have, the first few that differ.
  const wrong = items.flatMap((i) => {
    const applied = i.state === 'succeeded';
    const left = {
      audit: audited.get(i.target) ?? 0,
      charges: charged.get(i.target) ?? [],
      changes: i.changes,
    };
    const expected = {
      audit: applied ? 1 : 0,
      charges: applied ? [`${operationId}:${i.seq} ${TARIFF_CHANGE_FEE}`] : [],
      changes: applied ? 1 : 0,
    };
    return JSON.stringify(left) === JSON.stringify(expected) ? [] : [{ ...i, left, expected }];
  });
  expect(wrong.slice(0, 5)).toEqual([]);
  // Nothing outside the items: no audit row, charge or changed number the loop above did not see.
  const auditRows = [...audited.values()].reduce((sum, n) => sum + n, 0);
  const chargeRows = [...charged.values()].reduce((sum, refs) => sum + refs.length, 0);
  const changes = (db.prepare('SELECT SUM(changes) AS n FROM numbers').get() as { n: number }).n;
  expect({ auditRows, chargeRows, changes }).toEqual({
    auditRows: tally.succeeded,
    chargeRows: tally.succeeded,
    changes: tally.succeeded,
  });
  return { state, ...tally };
}
