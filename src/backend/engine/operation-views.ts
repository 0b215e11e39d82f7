import type { Operation, OperationItem } from '../../api/operations.js';
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
