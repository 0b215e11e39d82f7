/**
 * `vm events follow`: the event stream, printed as events come, resumed after a dropped connection from
 * the last event id seen (so nothing is lost or printed twice), ended by Ctrl-C with the id to resume
 * from. Loaded only by that command.
 */
import type { Event } from '../api/events.js';
import { sseMessages } from '../client/sse.js';
import { escapeControlChars } from '../domain/safe-text.js';
import type { Context } from './context.js';
import { CliError, EXIT } from './errors.js';
import { eventSummary } from './event-summary.js';
import { INTERRUPT_EXIT, onInterrupt, type Interrupt } from './output/interrupt.js';
import type { Column, OutputFormat } from './output/render.js';
import { writeChunk } from './output/render.js';

/**
 * The longest wait between two tries to get the stream back: a follower should be back within seconds of
 * the backend, and one connection attempt every few seconds costs a down server nothing.
 */
const MAX_BACKOFF_MS = 5_000;

export interface FollowRequest {
  type?: string;
  number?: string;
  /** ISO time: first the events since then (a list), then the stream. */
  since?: string;
  /** Start after this event id. */
  after?: number;
  columns: Column<Event>[];
  format: OutputFormat;
}

/** Follows the event stream until Ctrl-C (exit 130, saying the last id) or the backend ends it for the caller. */
export async function followEvents(ctx: Context, o: FollowRequest): Promise<void> {
  const t = ctx.t;
  const client = await ctx.client();
  let last = o.after;
  let stopped: Interrupt | undefined;
  let current: { destroy(): void } | undefined;
  let wake: (() => void) | undefined;
  const stopListening = onInterrupt((signal) => {
    stopped = signal;
    current?.destroy();
    wake?.();
  });
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function* events(): AsyncGenerator<Event> {
    const filters = { type: o.type, number: o.number };
    if (o.since !== undefined) {
      // The newest event before the backlog is read: what the stream starts after if the backlog is empty.
      const newest = (await client.call('events.list', { query: { order: 'desc', limit: 1 } })).data[0];
      last = newest?.id ?? 0;
      for await (const e of client.paginate('events.list', { ...filters, since: o.since })) {
        if (stopped) return;
        last = e.id;
        yield e;
      }
    }
    let failures = 0;
    for (;;) {
      if (stopped) return;
      try {
        const res = await client.stream('events.stream', { query: { ...filters, after: last } });
        current = res as unknown as { destroy(): void };
        if (failures > 0) ctx.note(t('msg.followResumed'));
        failures = 0;
        for await (const m of sseMessages(res)) {
          // The first message names the point the stream starts after; each event its own id.
          if (m.id !== undefined && /^\d+$/.test(m.id)) last = Number(m.id);
          if (m.event === 'end') {
            const reason = (JSON.parse(m.data) as { reason?: string }).reason ?? '';
            if (reason !== 'shutdown') throw streamEndError(ctx, reason);
            break;
          }
          if (m.data === '') continue;
          yield JSON.parse(m.data) as Event;
        }
      } catch (err) {
        if (stopped) return;
        if (!worthAnotherTry(err)) throw err;
      }
      if (stopped) return;
      if (failures === 0) ctx.note(t('msg.followLost'));
      failures++;
      await pause(Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(failures, 5)) * (0.5 + Math.random() / 2));
    }
  }

  try {
    if (o.format === 'table') {
      for await (const e of events()) await writeChunk(ctx.io.stdout, line(e));
    } else {
      await ctx.printRows(events(), o.columns, false);
    }
  } finally {
    stopListening();
  }
  if (stopped) {
    throw new CliError(
      last === undefined ? t('msg.followStopped') : t('msg.followStoppedAt', { id: last }),
      INTERRUPT_EXIT[stopped],
    );
  }
}

/** The backend ended the stream for the caller (a revoked token, a session that ended): exit 4. */
function streamEndError(ctx: Context, reason: string): CliError {
  return new CliError(ctx.t('err.eventsStreamEnded', { reason }), EXIT.auth);
}

/** A dropped or refused connection, a backend restarting or overloaded: the stream is tried again. */
function worthAnotherTry(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'NetworkError' || err.name === 'RetryAfterTooLongError') return true;
  const status = (err as { status?: unknown }).status;
  if (err.name === 'ApiError' && typeof status === 'number') return status === 429 || status >= 500;
  // A stream cut in the middle ends its reader with the socket's error.
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^(ECONNRESET|EPIPE|ETIMEDOUT|ERR_STREAM_PREMATURE_CLOSE)$/.test(code);
}

/** One event as a line on a terminal: time to the second, type, subject, what changed. */
function line(e: Event): string {
  const time = e.time.slice(0, 19).replace('T', ' ');
  return `${time}  ${e.type.padEnd(24)} ${e.subject.padEnd(16)} ${escapeControlChars(eventSummary(e))}\n`;
}
