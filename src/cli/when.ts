import { UsageError } from './errors.js';
import type { Translate } from './i18n/index.js';

/**
 * A time given on the command line, as an ISO string in UTC: an ISO time with a zone
 * (2026-12-01T18:00:00Z), a local date and time (2026-12-01 18:00), a time of day (18:00 — its next
 * occurrence), or an offset from now (+30s, +30m, +2h, +1d). The backend's clock decides when it is reached.
 */
export function parseWhen(text: string, now: Date, t: Translate): string {
  const value = text.trim();
  const offset = /^\+(\d+)\s*([smhd])$/i.exec(value);
  if (offset) {
    const unit = { s: 1, m: 60, h: 3600, d: 86400 }[
      (offset[2] as string).toLowerCase() as 's' | 'm' | 'h' | 'd'
    ];
    return new Date(now.getTime() + Number(offset[1]) * unit * 1000).toISOString();
  }
  const timeOfDay = /^(\d{1,2}):(\d{2})$/.exec(value);
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
