import { PassThrough, Readable, Writable } from 'node:stream';
import { ApiError, type ErrorCode } from '../../src/api/errors.js';
import type { RouteId } from '../../src/api/endpoints.js';
import type { CallInput, VmClient } from '../../src/client/client.js';
import type { IOStreams } from '../../src/cli/context.js';
import { run } from '../../src/cli/main.js';

/**
 * Runs vm commands in-process (the way gh tests its commands): the real commander program and `run`
 * (parsing, rendering, error → exit code), with captured stdout/stderr, no TTY, and a StubClient in
 * place of HTTP. A command test takes milliseconds, not a process spawn and a backend.
 */

/** One request a command made, as the real client would send it (empty query values dropped). */
export interface RecordedCall {
  route: RouteId;
  params?: Record<string, string>;
  query?: Record<string, unknown>;
  body?: unknown;
  idempotencyKey?: string;
}

/** What a stub answers: a value, or a function of the request (which may throw, e.g. `apiError`). */
export type Answer = unknown | ((call: RecordedCall) => unknown);

interface Stub {
  route: RouteId;
  answer: Answer;
  /** Answers once (then the next stub of the route) or every time. */
  once: boolean;
  used: number;
}

/**
 * A fake of the client's `call`/`paginate`/`stream` that records every request and answers from stubs
 * registered with `on`. A list route may be answered with a plain array (one page). An unexpected
 * request fails the command; `unused()` names stubs a test registered but the command never asked for.
 */
export class StubClient {
  readonly calls: RecordedCall[] = [];
  private readonly stubs: Stub[] = [];

  /** Answers every request of `route` with `answer`. */
  on(route: RouteId, answer: Answer): this {
    this.stubs.push({ route, answer, once: false, used: 0 });
    return this;
  }

  /** Answers the next request of `route` with `answer` (stubs of a route are used in order). */
  once(route: RouteId, answer: Answer): this {
    this.stubs.push({ route, answer, once: true, used: 0 });
    return this;
  }

  /** Requests made to `route`. */
  callsTo(route: RouteId): RecordedCall[] {
    return this.calls.filter((c) => c.route === route);
  }

  /** Stubs that were never used, as `route` names. */
  unused(): RouteId[] {
    return this.stubs.filter((s) => s.used === 0).map((s) => s.route);
  }

  async call(route: RouteId, input: CallInput = {}): Promise<unknown> {
    return this.answer(route, input);
  }

  async *paginate(
    route: RouteId,
    query: Record<string, unknown> = {},
    pageSize = 1000,
    params?: Record<string, string>,
  ): AsyncGenerator<unknown> {
    let cursor: string | null | undefined;
    do {
      const page = this.answer(route, {
        params,
        query: { ...query, limit: pageSize, cursor },
      } as unknown as CallInput);
      if (Array.isArray(page)) {
        yield* page;
        return;
      }
      const { data, nextCursor } = page as { data: unknown[]; nextCursor: string | null };
      yield* data;
      cursor = nextCursor;
    } while (cursor);
  }

  async stream(route: RouteId, input: CallInput = {}): Promise<NodeJS.ReadableStream> {
    const body = this.answer(route, input);
    return Readable.from([Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))]);
  }

  async close(): Promise<void> {}

  private answer(route: RouteId, input: CallInput): unknown {
    const call: RecordedCall = { route };
    if (input.params) call.params = input.params;
    const query = Object.fromEntries(
      Object.entries(input.query ?? {}).filter(([, v]) => v !== undefined && v !== null && v !== ''),
    );
    if (Object.keys(query).length) call.query = query;
    if (input.body !== undefined) call.body = input.body;
    if (input.idempotencyKey !== undefined) call.idempotencyKey = input.idempotencyKey;
    this.calls.push(call);
    const stub = this.stubs.find((s) => s.route === route && !(s.once && s.used > 0));
    if (!stub) throw new Error(`StubClient: no stub for ${route} ${JSON.stringify(call)}`);
    stub.used++;
    return typeof stub.answer === 'function'
      ? (stub.answer as (c: RecordedCall) => unknown)(call)
      : stub.answer;
  }
}

/** An error answer of the contract (e.g. `apiError('forbidden', 'Missing permission audit:read')`). */
export function apiError(code: ErrorCode, message: string, details?: Record<string, unknown>): () => never {
  return () => {
    throw new ApiError(code, message, details, 'req_test');
  };
}

/** A writable that keeps what was written. */
class Capture extends Writable {
  text = '';
  override _write(chunk: unknown, _enc: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    done();
  }
}

export interface VmRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface VmRunOptions {
  /** Written to stdin, then closed. */
  stdin?: string;
  env?: NodeJS.ProcessEnv;
  /** stderr is a terminal (stdin never is): what a person at a terminal is told. */
  stderrIsTTY?: boolean;
  /** stdout is a terminal this many columns wide: vm draws its tables for it. */
  columns?: number;
}

/**
 * Runs `vm <argv>` in-process with `client` as its HTTP client, as a script would (no TTY unless `columns` asks for one), and returns
 * the exit code with what went to stdout and stderr. Without a client, vm makes its real one (for tests
 * against a raw server: timeouts, refused connections).
 */
export async function runCommand(
  client: StubClient | undefined,
  argv: string[],
  opts: VmRunOptions = {},
): Promise<VmRun> {
  const stdout = new Capture();
  const stderr = new Capture();
  const stdin = new PassThrough();
  stdin.end(opts.stdin ?? '');
  const io: IOStreams = {
    stdin,
    stdout,
    stderr,
    stdinIsTTY: false,
    stdoutIsTTY: opts.columns !== undefined,
    stderrIsTTY: opts.stderrIsTTY ?? false,
    columns: opts.columns,
  };
  // The exit code comes back from `run` (recorded on the run's Context), never through process.exitCode.
  const code = await run(
    argv,
    io,
    { LANG: 'C.UTF-8', ...opts.env },
    client ? { makeClient: () => client as unknown as VmClient } : {},
  );
  return { code, stdout: stdout.text, stderr: stderr.text };
}
