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

/** What a desired-state file can set of a number, as one plan saw it or will leave it. */
export interface NumberFields {
  tariff: string;
  services: string[];
  status: string;
  group: string;
}

/**
 * A plan saved by `vm plan --out`, for `vm apply` to carry out exactly: each number it changes with what
 * it was when planned and what it will be, the per-field changes and the operations, in their order.
 */
export interface SavedPlan {
  vmPlan: 1;
  /** Names the plan's operations (their idempotency keys), so applying it twice changes nothing twice. */
  id: string;
  createdAt: string;
  /** The backend it was made against. */
  server: string;
  /** The desired-state file it was made from. */
  source: string;
  numbers: { msisdn: string; now: NumberFields; after: NumberFields }[];
  changes: FieldChange[];
  steps: ConvergeStep[];
  monthlyDelta: number;
}

/** One field of one number that is not what a saved plan found there. */
export interface Drift {
  msisdn: string;
  /** `number`: the number is gone (or out of the caller's reach). */
  field: keyof NumberFields | 'number';
  planned: string;
  now: string;
}

const fieldsOf = (line: CurrentLine): NumberFields => ({
  tariff: line.tariff,
  services: [...line.services].sort(),
  status: line.status,
  group: line.groupId,
});

/** The plan of `diff` to save: the numbers it changes as they are now (`current`) and as they will be. */
export function savePlan(
  diff: StateDiff,
  current: Map<string, CurrentLine>,
  about: Pick<SavedPlan, 'id' | 'createdAt' | 'server' | 'source'>,
): SavedPlan {
  const numbers = new Map<string, { msisdn: string; now: NumberFields; after: NumberFields }>();
  for (const c of diff.changes) {
    let n = numbers.get(c.msisdn);
    if (!n) {
      const now = fieldsOf(current.get(c.msisdn) as CurrentLine);
      n = { msisdn: c.msisdn, now, after: { ...now, services: [...now.services] } };
      numbers.set(c.msisdn, n);
    }
    const after = n.after;
    if (c.field === 'tariff') after.tariff = c.after;
    else if (c.field === 'group') after.group = c.after;
    else if (c.field === 'blocked') after.status = c.after === 'true' ? 'blocked' : 'active';
    else if (c.after) after.services = [...after.services, c.after].sort();
    else after.services = after.services.filter((s) => s !== c.now);
  }
  return {
    vmPlan: 1,
    ...about,
    numbers: [...numbers.values()],
    changes: diff.changes,
    steps: diff.steps,
    monthlyDelta: diff.monthlyDelta,
  };
}

/** What moved since `plan` was made: every field of a number it changes that is not as it found it. */
export function planDrift(plan: SavedPlan, current: Map<string, CurrentLine>): Drift[] {
  const drift: Drift[] = [];
  for (const { msisdn, now: planned } of plan.numbers) {
    const line = current.get(msisdn);
    if (!line) {
      drift.push({ msisdn, field: 'number', planned: msisdn, now: '' });
      continue;
    }
    const now = fieldsOf(line);
    for (const field of ['tariff', 'services', 'status', 'group'] as const) {
      const [was, is] = [planned[field], now[field]].map((v) =>
        Array.isArray(v) ? [...v].sort().join(',') : v,
      );
      if (was !== is) drift.push({ msisdn, field, planned: was, now: is });
    }
  }
  return drift;
}

/** Reads a saved plan's JSON text; undefined when it is not JSON or not a whole plan. */
export function parseSavedPlan(text: string): SavedPlan | undefined {
  let plan: Partial<SavedPlan> | null;
  try {
    plan = JSON.parse(text.replace(/^\uFEFF/, '')) as Partial<SavedPlan> | null;
  } catch {
    return undefined;
  }
  const whole =
    typeof plan === 'object' &&
    plan !== null &&
    plan.vmPlan === 1 &&
    [plan.id, plan.server, plan.createdAt, plan.source].every((v) => typeof v === 'string') &&
    Array.isArray(plan.changes) &&
    Array.isArray(plan.steps) &&
    Array.isArray(plan.numbers) &&
    plan.numbers.every(
      (n) =>
        typeof n?.msisdn === 'string' &&
        typeof n.now?.tariff === 'string' &&
        Array.isArray(n.now.services) &&
        typeof n.now.status === 'string' &&
        typeof n.now.group === 'string',
    );
  return whole ? (plan as SavedPlan) : undefined;
}
