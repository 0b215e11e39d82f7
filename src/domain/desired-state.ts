import type { OperationType } from './operations.js';

/** One row of a desired-state file: what a number should look like; undefined = leave as it is. */
export interface DesiredLine {
  msisdn: string;
  tariff?: string;
  services?: string[];
  blocked?: boolean;
  group?: string;
  /** Where the row came from, for messages (`state.csv:12`). */
  where: string;
}

/** A number as it is now (the fields desired state can set). */
export interface CurrentLine {
  msisdn: string;
  tariff: string;
  services: string[];
  status: string;
  groupId: string;
}

/** One field of one number that has to change. */
export interface FieldChange {
  msisdn: string;
  field: 'tariff' | 'service' | 'blocked' | 'group';
  now: string;
  after: string;
  monthlyDelta: number;
}

/** An operation to converge, in the order they must run. */
export interface ConvergeStep {
  type: OperationType;
  params: Record<string, unknown>;
  targets: { msisdn: string; params?: Record<string, string> }[];
}

/** The difference between the backend and the file: per-field changes, the operations, unknown numbers. */
export interface StateDiff {
  changes: FieldChange[];
  steps: ConvergeStep[];
  unknown: DesiredLine[];
  monthlyDelta: number;
}

/**
 * Compares desired rows with the numbers as they are and lists the operations that converge them:
 * service removals first (so a new tariff is not refused for a service that is going away), then
 * tariffs, additions, group moves, and blocks/unblocks last. Running it on converged data gives nothing.
 */
export function diffState(
  desired: DesiredLine[],
  current: Map<string, CurrentLine>,
  fees: { tariff(code: string): number; service(code: string): number },
): StateDiff {
  const changes: FieldChange[] = [];
  const unknown: DesiredLine[] = [];
  const remove = new Map<string, string[]>();
  const add = new Map<string, string[]>();
  const tariff: { msisdn: string; params: Record<string, string> }[] = [];
  const group: { msisdn: string; params: Record<string, string> }[] = [];
  const block: { msisdn: string }[] = [];
  const unblock: { msisdn: string }[] = [];
  const push = (map: Map<string, string[]>, service: string, msisdn: string) =>
    map.set(service, [...(map.get(service) ?? []), msisdn]);

  for (const want of desired) {
    const now = current.get(want.msisdn);
    if (!now) {
      unknown.push(want);
      continue;
    }
    if (want.services) {
      const wanted = new Set(want.services.map((s) => s.toUpperCase()));
      for (const s of now.services) {
        if (!wanted.has(s)) {
          push(remove, s, now.msisdn);
          changes.push({
            msisdn: now.msisdn,
            field: 'service',
            now: s,
            after: '',
            monthlyDelta: -fees.service(s),
          });
        }
      }
      for (const s of wanted) {
        if (!now.services.includes(s)) {
          push(add, s, now.msisdn);
          changes.push({
            msisdn: now.msisdn,
            field: 'service',
            now: '',
            after: s,
            monthlyDelta: fees.service(s),
          });
        }
      }
    }
    if (want.tariff && want.tariff.toUpperCase() !== now.tariff) {
      const code = want.tariff.toUpperCase();
      tariff.push({ msisdn: now.msisdn, params: { tariff: code } });
      changes.push({
        msisdn: now.msisdn,
        field: 'tariff',
        now: now.tariff,
        after: code,
        monthlyDelta: fees.tariff(code) - fees.tariff(now.tariff),
      });
    }
    if (want.group && want.group !== now.groupId) {
      group.push({ msisdn: now.msisdn, params: { group: want.group } });
      changes.push({
        msisdn: now.msisdn,
        field: 'group',
        now: now.groupId,
        after: want.group,
        monthlyDelta: 0,
      });
    }
    if (want.blocked !== undefined) {
      const isBlocked = now.status === 'blocked';
      if (want.blocked && !isBlocked && now.status === 'active') block.push({ msisdn: now.msisdn });
      if (!want.blocked && isBlocked) unblock.push({ msisdn: now.msisdn });
      if (want.blocked !== isBlocked && (now.status === 'active' || isBlocked)) {
        changes.push({
          msisdn: now.msisdn,
          field: 'blocked',
          now: String(isBlocked),
          after: String(want.blocked),
          monthlyDelta: 0,
        });
      }
    }
  }

  const steps: ConvergeStep[] = [];
  for (const [service, msisdns] of [...remove].sort()) {
    steps.push({
      type: 'service.remove',
      params: { service },
      targets: msisdns.map((msisdn) => ({ msisdn })),
    });
  }
  if (tariff.length) steps.push({ type: 'tariff.change', params: {}, targets: tariff });
  for (const [service, msisdns] of [...add].sort()) {
    steps.push({ type: 'service.add', params: { service }, targets: msisdns.map((msisdn) => ({ msisdn })) });
  }
  if (group.length) steps.push({ type: 'group.move', params: {}, targets: group });
  if (block.length) steps.push({ type: 'number.block', params: { reason: 'desired_state' }, targets: block });
  if (unblock.length) steps.push({ type: 'number.unblock', params: {}, targets: unblock });
  return { changes, steps, unknown, monthlyDelta: changes.reduce((sum, c) => sum + c.monthlyDelta, 0) };
}

/** Reads a yes/no cell in English or Russian; undefined for an empty cell; null if unreadable. */
export function parseYesNo(cell: string | undefined): boolean | undefined | null {
  const v = (cell ?? '').trim().toLowerCase();
  if (v === '') return undefined;
  if (['yes', 'y', 'true', '1', 'да', 'blocked', 'заблокирован'].includes(v)) return true;
  if (['no', 'n', 'false', '0', 'нет', 'active', 'активен'].includes(v)) return false;
  return null;
}

/** Splits a services cell: `ANTISPAM VOICEMAIL`, `ANTISPAM,VOICEMAIL`, `ANTISPAM;VOICEMAIL`; `-` means none. */
export function parseServiceList(cell: string | undefined): string[] | undefined {
  const v = (cell ?? '').trim();
  if (v === '') return undefined;
  if (v === '-' || v === '—') return [];
  return v
    .split(/[\s,;|]+/)
    .filter(Boolean)
    .map((s) => s.toUpperCase());
}
