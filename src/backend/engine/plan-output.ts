import { Readable } from 'node:stream';
import type { PlanRun } from './operations-service.js';

/**
 * A dry run as one JSON document (the Plan of `POST /v1/operations?dryRun=true`), written as it is made:
 * the head, the items a slice at a time, the counts after them (their key order is free in JSON), so
 * neither the plan nor its text is ever whole in memory.
 */
export function planDocument(run: PlanRun): Readable {
  async function* text(): AsyncGenerator<string> {
    const { type, params, total } = run.summary;
    yield `{"type":${JSON.stringify(type)},"params":${JSON.stringify(params)},"total":${total},"items":[`;
    let first = true;
    for await (const items of run.slices()) {
      if (items.length === 0) continue;
      yield `${first ? '' : ','}${items.map((i) => JSON.stringify(i)).join(',')}`;
      first = false;
    }
    const { apply, skip, fail, monthlyDelta, fees } = run.summary;
    yield `],${JSON.stringify({ apply, skip, fail, monthlyDelta, fees }).slice(1)}`;
  }
  return Readable.from(text(), { objectMode: false });
}

/**
 * A dry run as JSON lines (`POST /v1/operations/plan`): one item per line in target order, then the line
 * `{"summary": …}`; a stream cut before it tells the reader the plan is not whole.
 */
export function planLines(run: PlanRun): Readable {
  async function* text(): AsyncGenerator<string> {
    for await (const items of run.slices()) {
      if (items.length > 0) yield `${items.map((i) => JSON.stringify(i)).join('\n')}\n`;
    }
    yield `${JSON.stringify({ summary: run.summary })}\n`;
  }
  return Readable.from(text(), { objectMode: false });
}
