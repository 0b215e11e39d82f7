/**
 * Usage alerts: thresholds below a spending limit, and on metrics other than money. A spending limit is
 * the 100% rule of money with its action; an alert rule adds a threshold (a percentage of the limit, or
 * an absolute value) on a metric and a period, with an action. Pure logic: parsing a threshold, checking
 * a rule, which rules a line has, and which thresholds its usage has crossed.
 */

import { MAX_AMOUNT } from './money.js';

/** What an alert measures: charges (kopecks), data (MB), call minutes, SMS. */
export const ALERT_METRICS = ['spend', 'data', 'minutes', 'sms'] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];

/** The period a metric is added up over: the line's billing month, or one day (UTC). */
export const ALERT_PERIODS = ['month', 'day'] as const;
export type AlertPeriod = (typeof ALERT_PERIODS)[number];

/** What a crossing does: notify (the outbox and the event), or block the number too. */
export const ALERT_ACTIONS = ['notify', 'block'] as const;
export type AlertAction = (typeof ALERT_ACTIONS)[number];

/** Who hears of a crossing: the rule's setter by e-mail, the line by SMS, webhooks (the event alone). */
export const ALERT_CHANNELS = ['email', 'sms', 'webhook'] as const;
export type AlertChannel = (typeof ALERT_CHANNELS)[number];

/** The thresholds every spending limit has without a rule: events only, at 50, 80 and 100% of it. */
export const DEFAULT_LIMIT_THRESHOLDS = [50, 80, 100] as const;

/** The block reason of a number an alert rule blocked (a breached limit's is `limit_exceeded`). */
export const ALERT_BLOCK_REASON = 'alert_threshold';

/** Largest percentage a rule takes: a spend percentage is below its limit (1–99), an allowance's up to 10×. */
export const MAX_ALLOWANCE_PERCENT = 1000;

/** Largest absolute value of a data, minutes or SMS threshold. */
export const MAX_ALERT_VALUE = 1_000_000_000;

/** True if the text names a metric. */
export const isAlertMetric = (v: string): v is AlertMetric =>
  (ALERT_METRICS as readonly string[]).includes(v);
/** True if the text names a period. */
export const isAlertPeriod = (v: string): v is AlertPeriod =>
  (ALERT_PERIODS as readonly string[]).includes(v);
/** True if the text names an action. */
export const isAlertAction = (v: string): v is AlertAction =>
  (ALERT_ACTIONS as readonly string[]).includes(v);
/** True if the text names a channel. */
export const isAlertChannel = (v: string): v is AlertChannel =>
  (ALERT_CHANNELS as readonly string[]).includes(v);

/** What makes a rule one rule: at most one per target and this key (setting it again replaces it). */
export interface AlertKey {
  metric: AlertMetric;
  period: AlertPeriod;
  /** The threshold: a percentage of the limit (or of the tariff's allowance) when `ofLimit`, else a value. */
  threshold: number;
  ofLimit: boolean;
}

/** The key as one string, for maps. */
export function alertKey(k: AlertKey): string {
  return `${k.metric}|${k.period}|${k.ofLimit ? '%' : '='}${k.threshold}`;
}

/**
 * A percentage as people type it: `80%`, `80 %` or `80` — a whole number from 1 up; undefined for
 * anything else (`80.5%`, `0`, `-5`, `eighty`).
 */
export function parsePercent(text: string): number | undefined {
  const m = /^\s*(\d{1,4})\s*%?\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n >= 1 ? n : undefined;
}

/**
 * A whole count as people type it for data (MB), minutes or SMS: `1500`, `1 500`, `1,500` — from 1 to
 * MAX_ALERT_VALUE; undefined for anything else.
 */
export function parseCount(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d{1,3}(?:[ ,\u00A0\u202F]\d{3})*$|^\d+$/.test(t)) return undefined;
  const n = Number(t.replace(/\D/g, ''));
  return Number.isSafeInteger(n) && n >= 1 && n <= MAX_ALERT_VALUE ? n : undefined;
}

/**
 * Why a rule cannot be (a stable reason), or null when it can: a percentage is of the monthly limit or
 * allowance, so its period is the month; a spend percentage is below its limit (100% is the limit
 * itself, whose action `vm limits set` sets); values are within the bounds of their unit.
 */
export function ruleProblem(k: AlertKey): string | null {
  if (!Number.isSafeInteger(k.threshold) || k.threshold < 1) return 'alert_threshold_invalid';
  if (k.ofLimit) {
    if (k.period !== 'month') return 'alert_percent_needs_month';
    if (k.metric === 'spend') {
      if (k.threshold === 100) return 'alert_threshold_is_limit';
      if (k.threshold > 100) return 'alert_threshold_invalid';
    } else if (k.threshold > MAX_ALLOWANCE_PERCENT) return 'alert_threshold_invalid';
    return null;
  }
  const max = k.metric === 'spend' ? MAX_AMOUNT : MAX_ALERT_VALUE;
  return k.threshold > max ? 'alert_threshold_invalid' : null;
}

/** A rule as the crossing logic sees it: its key, what it does, and who set it (null: a limit's default). */
export interface RuleInEffect extends AlertKey {
  /** The stored rule, or null for a limit's default threshold (events only). */
  id: string | null;
  action: AlertAction;
  notify: AlertChannel[];
  createdBy: number | null;
}

/**
 * The rules a line has: its own, then its group's, then each ancestor's — per key the nearest wins, as
 * a number's own limit wins over its group's. `chain` is the line's group first, then up the tree.
 */
export function rulesInEffect<R extends AlertKey>(own: readonly R[], chain: readonly (readonly R[])[]): R[] {
  const seen = new Map<string, R>();
  for (const level of [own, ...chain])
    for (const r of level) {
      const key = alertKey(r);
      if (!seen.has(key)) seen.set(key, r);
    }
  return [...seen.values()];
}

/**
 * The default thresholds of a line with a spending limit: 50, 80 and 100% of it, each notifying by an
 * event only, unless a rule of the line has that spend percentage already (the rule says what happens).
 */
export function defaultThresholds(rules: readonly AlertKey[]): RuleInEffect[] {
  const taken = new Set(
    rules.filter((r) => r.metric === 'spend' && r.ofLimit && r.period === 'month').map((r) => r.threshold),
  );
  return DEFAULT_LIMIT_THRESHOLDS.filter((p) => !taken.has(p)).map((threshold) => ({
    id: null,
    metric: 'spend',
    period: 'month',
    threshold,
    ofLimit: true,
    action: 'notify',
    notify: [],
    createdBy: null,
  }));
}

/**
 * The absolute amount a rule's threshold stands for: its value, or its percentage of `base` (the limit
 * in kopecks for spend, the tariff's allowance for the others), rounded up so that 80% is never passed
 * below 80%. Undefined when there is no base to take a percentage of (no limit; an allowance of none or
 * unlimited, which tariffs store as 0 and -1).
 */
export function thresholdAmount(k: AlertKey, base: number | undefined): number | undefined {
  if (!k.ofLimit) return k.threshold;
  if (base === undefined || base <= 0) return undefined;
  return Math.ceil((base * k.threshold) / 100);
}

/** What a line reached this period and day: charges (kopecks) and usage (MB, minutes, SMS). */
export interface LineTotals {
  month: Record<AlertMetric, number>;
  day: Record<AlertMetric, number>;
}

/** One threshold a line reached: the rule, the amount it stood for, what the line had, and the base. */
export interface Crossing<R extends RuleInEffect = RuleInEffect> {
  rule: R;
  /** The threshold in the metric's unit (kopecks, MB, minutes, SMS). */
  amount: number;
  /** What the line had reached. */
  value: number;
  /** What a percentage is of: the limit or the allowance; null for a value threshold. */
  base: number | null;
}

/**
 * The thresholds a line's totals reach (value ≥ amount), lowest first per metric. `limit` is the line's
 * spending limit (own, else its group's), `allowance` its tariff's per month. Whether a crossing is new
 * is the store's to say (one per rule, line, period and threshold).
 */
export function reachedThresholds<R extends RuleInEffect>(
  rules: readonly R[],
  totals: LineTotals,
  limit: number | undefined,
  allowance: { data: number; minutes: number; sms: number },
): Crossing<R>[] {
  const out: Crossing<R>[] = [];
  for (const rule of rules) {
    const base = rule.ofLimit ? (rule.metric === 'spend' ? limit : allowance[rule.metric]) : undefined;
    const amount = thresholdAmount(rule, base);
    if (amount === undefined) continue;
    const value = totals[rule.period][rule.metric];
    if (value >= amount) out.push({ rule, amount, value, base: rule.ofLimit ? (base as number) : null });
  }
  return out.sort((a, b) =>
    a.rule.metric === b.rule.metric ? a.amount - b.amount : a.rule.metric < b.rule.metric ? -1 : 1,
  );
}
