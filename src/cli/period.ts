import { UsageError } from './errors.js';
import type { Translate } from './i18n/index.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** A real calendar day: `2026-02-30` has the shape but is no day. */
export function isDay(v: string): boolean {
  if (!DAY.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

/**
 * The days of `--period YYYY-MM` (a calendar month) or `--from/--to` (days, the last included);
 * neither leaves the choice to the backend (this month so far). Usage errors say which flag is wrong.
 */
export function parsePeriod(
  f: { period?: string; from?: string; to?: string },
  t: Translate,
): { from?: string; to?: string } {
  if (f.period !== undefined) {
    if (f.from !== undefined || f.to !== undefined) throw new UsageError(t('err.periodAndRange'));
    const p = f.period.trim();
    if (!MONTH.test(p)) throw new UsageError(t('err.badPeriod', { value: f.period }));
    const [y, m] = p.split('-').map(Number) as [number, number];
    return { from: `${p}-01`, to: new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10) };
  }
  const from = f.from?.trim();
  const to = f.to?.trim();
  for (const [name, v] of [
    ['--from', from],
    ['--to', to],
  ] as const)
    if (v !== undefined && !isDay(v)) throw new UsageError(t('err.badDay', { option: name, value: v }));
  if (from && to && to < from) throw new UsageError(t('err.emptyRange', { from, to }));
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}
