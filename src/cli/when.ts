import { UsageError } from './errors.js';
import type { Translate } from './i18n/index.js';

const OFFSET = /^\+(\d+)\s*([smhd])$/i;
const TIME_OF_DAY = /^(\d{1,2}):(\d{2})$/;

/** Whether `text` is a time relative to now (an offset or a time of day), which parseWhen needs a "now" for. */
export function isRelativeWhen(text: string): boolean {
  const value = text.trim();
  return OFFSET.test(value) || TIME_OF_DAY.test(value);
}

/**
 * A time given on the command line, as an ISO string in UTC: an ISO time with a zone
 * (2026-12-01T18:00:00Z), a local date and time (2026-12-01 18:00), a time of day (18:00 — its next
 * occurrence), or an offset from now (+30s, +30m, +2h, +1d). The backend's clock decides when it is reached,
 * so callers pass its time as `now` for a relative one (Context.nowFor).
 */
export function parseWhen(text: string, now: Date, t: Translate): string {
  const value = text.trim();
  const offset = OFFSET.exec(value);
  if (offset) {
    const unit = { s: 1, m: 60, h: 3600, d: 86400 }[
      (offset[2] as string).toLowerCase() as 's' | 'm' | 'h' | 'd'
    ];
    return new Date(now.getTime() + Number(offset[1]) * unit * 1000).toISOString();
  }
  const timeOfDay = TIME_OF_DAY.exec(value);
  if (timeOfDay) {
    const at = new Date(now);
    at.setHours(Number(timeOfDay[1]), Number(timeOfDay[2]), 0, 0);
    if (Number(timeOfDay[1]) > 23 || Number(timeOfDay[2]) > 59)
      throw new UsageError(t('change.badTime', { value }));
    if (at.getTime() <= now.getTime()) at.setDate(at.getDate() + 1);
    return at.toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(value)) {
    const date = new Date(value.replace(' ', 'T'));
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  throw new UsageError(t('change.badTime', { value }));
}
