import type { Operation, OperationItem, RowValues } from '../../api/operations.js';
import type { ItemRecord, OperationRecord } from '../store/operations-repo.js';

/** The API view of a stored operation. */
export function operationView(op: OperationRecord, replayed = false): Operation {
  return {
    id: op.id,
    type: op.type as Operation['type'],
    params: op.params,
    state: op.state as Operation['state'],
    createdBy: op.actor,
    createdAt: op.createdAt,
    scheduledAt: op.scheduledAt,
    startedAt: op.startedAt,
    finishedAt: op.finishedAt,
    total: op.total,
    queued: op.total - op.succeeded - op.failed - op.skipped - op.cancelled,
    succeeded: op.succeeded,
    failed: op.failed,
    skipped: op.skipped,
    cancelled: op.cancelled,
    monthlyDelta: op.monthlyDelta,
    fees: op.fees,
    rowValues: op.rowValues,
    rollbackOf: op.rollbackOf,
    parentId: op.parentId,
    replayed,
  };
}

/** The API view of a stored item. */
export function itemView(item: ItemRecord): OperationItem {
  return {
    seq: item.seq,
    msisdn: item.target,
    params: item.params,
    state: item.state as OperationItem['state'],
    code: item.code,
    detail: item.detail,
    before: item.before,
    after: item.after,
    monthlyDelta: item.monthlyDelta,
    fee: item.fee,
    finishedAt: item.finishedAt,
  };
}

/** Different values of a parameter counted one by one; later ones count only in its total. */
const ROW_VALUES_TRACKED = 1000;
/** Values of a parameter an operation shows. */
const ROW_VALUES_SHOWN = 10;

/** How many targets carry a value of their own for each parameter, and the most common values. */
export function countRowValues(targets: { params?: Record<string, unknown> | null }[]): RowValues[] {
  const byName = new Map<string, { count: number; values: Map<string, number> }>();
  for (const target of targets) {
    if (!target.params) continue;
    for (const [name, raw] of Object.entries(target.params)) {
      const value = String(raw);
      let entry = byName.get(name);
      if (!entry) byName.set(name, (entry = { count: 0, values: new Map() }));
      entry.count++;
      const seen = entry.values.get(value);
      if (seen !== undefined) entry.values.set(value, seen + 1);
      else if (entry.values.size < ROW_VALUES_TRACKED) entry.values.set(value, 1);
    }
  }
  return [...byName].map(([name, { count, values }]) => ({
    name,
    count,
    values: [...values]
      .sort(([, a], [, b]) => b - a)
      .slice(0, ROW_VALUES_SHOWN)
      .map(([value, n]) => ({ value, count: n })),
  }));
}
