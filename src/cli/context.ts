import fs from 'node:fs';
import type { Command } from 'commander';
import type { VmClient, WaitReason } from '../client/client.js';
import type { ConfigStore } from './config.js';
import { CliError, EXIT, UsageError } from './errors.js';
import type { Lang, Translate } from './i18n/index.js';
import { escapeControlCharsKeepingLines } from '../domain/safe-text.js';
import type { Column } from './output/render.js';
import { VERSION } from '../api/version.js';
import { isRelativeWhen } from './when.js';
import { refuseUnwritableFile } from './output/atomic-file.js';

/** The process's streams and what they are connected to. Commands never look at process.stdout themselves. */
export interface IOStreams {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  columns?: number;
}

/** Options every command accepts (commander's optsWithGlobals). */
export interface GlobalOptions {
  json?: boolean;
  jsonl?: boolean;
  ndjson?: boolean;
  csv?: boolean;
  excel?: boolean;
  rawCsv?: boolean;
  /** --xlsx FILE: the run's rows (or item) go to FILE as an Excel workbook. */
  xlsx?: string;
  format?: string;
  fields?: string;
  color?: boolean;
  lang?: string;
  profile?: string;
  server?: string;
  ca?: string;
  insecure?: boolean;
  timeout?: string;
  connectTimeout?: string;
  maxWait?: string;
  retries?: string;
  verbose?: boolean;
  quiet?: boolean;
  input?: boolean;
}

export const DEFAULT_SERVER = 'http://127.0.0.1:7080';

/**
 * What a client carries: the run's `credential`, the profile's stored session whatever VM_TOKEN says
 * (`vm logout` ends that session), or nothing (`vm login`).
 */
export type ClientAuth = 'credential' | 'session' | 'none';

/** Makes a run's HTTP client instead of the real one (the in-process command tests give a fake). */
export type ClientFactory = (auth: ClientAuth) => VmClient | Promise<VmClient>;

/**
 * The credential a run sends and what chose it (CLI.md, "Credentials"): an option on the command line
 * beats the environment, so `--profile` is that profile's session even with VM_TOKEN set; between
 * variables VM_TOKEN beats VM_PROFILE; with neither, the profile "default". No flag takes a token:
 * argv shows in `ps` and in the shell's history.
 */
export type Credential =
  | { kind: 'token'; source: 'VM_TOKEN' }
  | { kind: 'session'; source: '--profile' | 'VM_PROFILE' | 'default'; profile: string };
export { VERSION };

/** One object per run: streams, language, options, and lazily built config and HTTP client. */
export class Context {
  opts: GlobalOptions = {};
  private configStore?: ConfigStore;
  private recordedExitCode: number = EXIT.ok;
  private clientInstance?: VmClient;
  private backendClock?: Promise<Date>;
  private backendNow?: Date;
  /** The command being run, as words (`numbers list`): an xlsx workbook's sheet is named after it. */
  private commandWords = 'vm';
  /** Did this run write its --xlsx file? (A command that prints nothing leaves it unwritten: a warning.) */
  xlsxWritten = false;

  constructor(
    readonly io: IOStreams,
    readonly env: NodeJS.ProcessEnv,
    readonly lang: Lang,
    readonly t: Translate,
    private readonly makeClient?: ClientFactory,
  ) {}

  /**
   * The exit code of a run that ends without an error: 0 unless a command recorded another (3 when a
   * change finished with failed numbers, 1 when it was cancelled). An error's own code wins over it.
   */
  get exitCode(): number {
    return this.recordedExitCode;
  }

  /** Records the exit code of a run that otherwise ends normally (see CLI.md, "Exit codes"). */
  setExitCode(code: number): void {
    this.recordedExitCode = code;
  }

  /**
   * Called by every action with its command: takes the merged global + local options. `--xlsx FILE` is
   * checked here, before anything is asked of the backend: no other format beside it, and a file that
   * can be written.
   */
  use<T extends object>(cmd: Command): GlobalOptions & T {
    this.opts = cmd.optsWithGlobals<GlobalOptions & T>();
    const words: string[] = [];
    for (let c: Command | null = cmd; c?.parent; c = c.parent) words.unshift(c.name());
    this.commandWords = words.join(' ') || 'vm';
    if (this.opts.xlsx !== undefined) {
      const o = this.opts;
      const other = [
        o.json && '--json',
        o.jsonl && '--jsonl',
        o.ndjson && '--ndjson',
        o.csv && '--csv',
        o.excel && '--excel',
        o.rawCsv && '--raw-csv',
        o.format !== undefined && '-o/--format',
      ].find(Boolean);
      if (other) throw new UsageError(this.t('err.xlsxWithFormat', { flag: other }));
      refuseUnwritableFile(this.opts.xlsx, this.t, '--xlsx');
    }
    return this.opts as GlobalOptions & T;
  }

  /** Colour only on a TTY, and not with NO_COLOR, TERM=dumb or --no-color. */
  get color(): boolean {
    return this.io.stdoutIsTTY && this.opts.color !== false && !this.env.NO_COLOR && this.env.TERM !== 'dumb';
  }

  /** May we ask the user something? Only on a TTY, and not with --no-input. */
  get canPrompt(): boolean {
    return this.io.stdinIsTTY && this.io.stderrIsTTY && this.opts.input !== false;
  }

  /**
   * The one confirmation of a change: a yes/no question on a terminal (default no; "no" notes that nothing
   * changed); without a terminal it never asks and refuses with `withoutTerminal` (exit 2: say --yes).
   * The question is built only when it will be asked (it may need a plan from the backend).
   */
  async confirm(question: () => Promise<string> | string, withoutTerminal: string): Promise<boolean> {
    if (!this.canPrompt) throw new UsageError(withoutTerminal);
    const { confirm } = await import('@inquirer/prompts');
    const ok = await confirm(
      { message: await question(), default: false },
      { output: this.io.stderr as NodeJS.WritableStream },
    );
    if (!ok) this.note(this.t('change.aborted'));
    return ok;
  }

  /** A note for people (stderr), unless --quiet; never a raw control character (it may quote server text). */
  note(message: string): void {
    if (!this.opts.quiet) this.io.stderr.write(`${escapeControlCharsKeepingLines(message)}\n`);
  }

  /** The profile name: --profile, VM_PROFILE, or "default". */
  get profileName(): string {
    return this.opts.profile || this.env.VM_PROFILE || 'default';
  }

  /** The credential this run sends (see `Credential`). */
  get credential(): Credential {
    if (this.opts.profile) return { kind: 'session', source: '--profile', profile: this.opts.profile };
    if (this.env.VM_TOKEN) return { kind: 'token', source: 'VM_TOKEN' };
    if (this.env.VM_PROFILE) return { kind: 'session', source: 'VM_PROFILE', profile: this.env.VM_PROFILE };
    return { kind: 'session', source: 'default', profile: 'default' };
  }

  /** The config file (created on first use). */
  async config(): Promise<ConfigStore> {
    if (!this.configStore) {
      const { ConfigStore: Store, configDir } = await import('./config.js');
      this.configStore = new Store(configDir(this.env), this.profileName);
    }
    return this.configStore;
  }

  /** --server, the server of a --profile, VM_SERVER, the profile's server, or the local default. */
  async server(): Promise<string> {
    if (this.opts.server) return this.opts.server.replace(/\/+$/, '');
    // A profile named on the command line goes to its own server: VM_SERVER, set for another purpose
    // in the environment, must not receive that profile's session.
    const profile = this.opts.profile ? (await this.config()).profile.server : undefined;
    if (profile) return profile;
    if (this.env.VM_SERVER) return this.env.VM_SERVER.replace(/\/+$/, '');
    return (await this.config()).profile.server ?? DEFAULT_SERVER;
  }

  /**
   * The CA file to trust for `server`: --ca, else VM_CA, else the one `vm login` remembered in the
   * profile, but only for the server it logged in to: a private CA replaces the public roots, so it must
   * not follow the profile to another server.
   */
  async caFile(server: string): Promise<{ file: string; remembered: boolean } | undefined> {
    const explicit = this.opts.ca || this.env.VM_CA;
    if (explicit) return { file: explicit, remembered: false };
    if (!server.startsWith('https:')) return undefined;
    const profile = (await this.config()).profile;
    return profile.ca && profile.server === server ? { file: profile.ca, remembered: true } : undefined;
  }

  /** The token a client carrying `auth` sends: VM_TOKEN or the profile's session (see `Credential`). */
  async token(auth: ClientAuth = 'credential'): Promise<string | undefined> {
    if (auth === 'credential' && this.credential.kind === 'token') return this.env.VM_TOKEN;
    return auth === 'none' ? undefined : (await this.config()).profile.token;
  }

  /**
   * The HTTP client, carrying what `auth` says (by default the run's credential). `quick` is for a shell's
   * completion: one attempt, every timeout `quick.ms`, no waiting for rate limits, and nothing said on
   * stderr (no spinner, no notice, no -v lines: it would land in the user's prompt line), whatever the
   * flags and variables say.
   */
  async client(auth: ClientAuth = 'credential', quick?: { ms: number }): Promise<VmClient> {
    if (this.clientInstance) return this.clientInstance;
    if (this.makeClient) return (this.clientInstance = await this.makeClient(auth));
    const { VmClient } = await import('../client/client.js');
    const server = await this.server();
    const token = await this.token(auth);
    const caFile = await this.caFile(server);
    let ca: string | undefined;
    if (caFile) {
      try {
        ca = fs.readFileSync(caFile.file, 'utf8');
      } catch (err) {
        const reason = (err as Error).message;
        // A flag or variable of this run is a usage slip (2); a remembered file that went away is not.
        throw caFile.remembered
          ? new CliError(this.t('err.caFileRemembered', { file: caFile.file, server, reason }), 1)
          : new CliError(this.t('err.caFile', { file: caFile.file, reason }), 2);
      }
    }
    if (quick) {
      this.clientInstance = new VmClient({
        server,
        token,
        ca,
        insecure: this.opts.insecure,
        timeoutMs: quick.ms,
        connectTimeoutMs: quick.ms,
        maxRetryWaitMs: 0,
        retries: 0,
        userAgent: `vm/${VERSION} node/${process.versions.node}`,
      });
      return this.clientInstance;
    }
    const timeout = this.timeoutSeconds('--timeout', this.opts.timeout, 'VM_TIMEOUT');
    const connectTimeout = this.timeoutSeconds(
      '--connect-timeout',
      this.opts.connectTimeout,
      'VM_CONNECT_TIMEOUT',
    );
    const maxWait = this.maxRetryWaitSeconds();
    const retries = this.retries();
    const maxPageSize = this.pageSize();
    const verbose = this.opts.verbose || this.env.VM_DEBUG === '1';
    let spinner: import('./output/spinner.js').Spinner | undefined;
    let onWait: ((reason: WaitReason, ms: number) => void) | undefined;
    // A person at a terminal sees a spinner and is told of a long wait; -v prints every request and wait.
    if (this.io.stderrIsTTY && !this.opts.quiet && !verbose) {
      const [{ Spinner }, { waitNotice }] = await Promise.all([
        import('./output/spinner.js'),
        import('./output/wait-notice.js'),
      ]);
      spinner = new Spinner(this.io.stderr, this.t('msg.waiting', { server }));
      onWait = waitNotice(this.io.stderr, this.t);
    }
    this.clientInstance = new VmClient({
      server,
      token,
      ca,
      insecure: this.opts.insecure,
      timeoutMs: timeout === undefined ? undefined : timeout * 1000,
      connectTimeoutMs: connectTimeout === undefined ? undefined : connectTimeout * 1000,
      maxRetryWaitMs: maxWait === undefined ? undefined : maxWait * 1000,
      retries,
      maxPageSize,
      userAgent: `vm/${VERSION} node/${process.versions.node}`,
      debug: verbose ? (line) => this.io.stderr.write(`> ${line}\n`) : undefined,
      onActivity: spinner ? (busy) => (busy ? spinner.start() : spinner.stop()) : undefined,
      onWait,
    });
    return this.clientInstance;
  }

  /**
   * A timeout in seconds, more than 0, from its flag, else its variable; undefined leaves the client's
   * default (30 s to answer, 5 s to connect).
   */
  private timeoutSeconds(flag: string, flagValue: string | undefined, variable: string): number | undefined {
    const [option, value] = flagValue !== undefined ? [flag, flagValue] : [variable, this.env[variable]];
    // An empty variable is an unset one; an empty flag is a slip.
    if (value === undefined || (value === '' && option === variable)) return undefined;
    const seconds = Number(value);
    if (!/^\s*\d+(\.\d+)?\s*$/.test(value) || !(seconds > 0))
      throw new UsageError(this.t('err.badTimeout', { option, value }));
    return seconds;
  }

  /** --max-wait, else VM_MAX_RETRY_WAIT, in seconds; undefined leaves the client's default (60 s). */
  private maxRetryWaitSeconds(): number | undefined {
    const [option, value] =
      this.opts.maxWait !== undefined
        ? ['--max-wait', this.opts.maxWait]
        : ['VM_MAX_RETRY_WAIT', this.env.VM_MAX_RETRY_WAIT];
    if (value === undefined || value === '') return undefined;
    const seconds = Number(value);
    if (!/^\s*\d+(\.\d+)?\s*$/.test(value) || !Number.isFinite(seconds))
      throw new UsageError(this.t('err.badSeconds', { option, value }));
    return seconds;
  }

  /** --retries, else VM_RETRIES: a whole number, 0 or more; undefined leaves the client's default (6). */
  private retries(): number | undefined {
    const [option, value] =
      this.opts.retries !== undefined
        ? ['--retries', this.opts.retries]
        : ['VM_RETRIES', this.env.VM_RETRIES];
    // An empty variable is an unset one; an empty flag is a slip.
    if (value === undefined || (value === '' && option === 'VM_RETRIES')) return undefined;
    const retries = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(retries))
      throw new UsageError(this.t('err.badRetries', { option, value }));
    return retries;
  }

  /** VM_PAGE_SIZE: rows a list asks for per request, 1 to 1000; undefined leaves each list's own. */
  private pageSize(): number | undefined {
    const value = this.env.VM_PAGE_SIZE;
    if (value === undefined || value === '') return undefined;
    const size = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || size < 1 || size > 1000)
      throw new UsageError(this.t('err.badPageSize', { value }));
    return size;
  }

  /**
   * Prints a list with the one renderer: table on a TTY, TSV when piped, or the chosen format; with
   * --xlsx FILE, a workbook written to FILE.
   */
  async printRows<T>(
    rows: Iterable<T> | AsyncIterable<T>,
    columns: Column<T>[],
    empty = true,
    /** Somewhere else than stdout (a file), in its own format; `sheet` names an xlsx workbook's sheet. */
    to?: { out: NodeJS.WritableStream; format: import('./output/render.js').OutputFormat; sheet?: string },
  ): Promise<number> {
    const { renderRows } = await import('./output/render.js');
    const options = await this.renderOptions(to?.sheet);
    let count: number;
    if (to) count = await renderRows(rows, columns, { ...options, format: to.format }, to.out);
    else if (options.format === 'xlsx')
      count = await this.writeXlsx((out) => renderRows(rows, columns, options, out));
    else count = await renderRows(rows, columns, options, this.io.stdout);
    if (count === 0 && empty) this.note(this.t('msg.noResults'));
    return count;
  }

  /** Prints one item (with --xlsx FILE, a workbook of one row written to FILE). */
  async printObject<T>(item: T, columns: Column<T>[]): Promise<void> {
    const { renderObject } = await import('./output/render.js');
    const options = await this.renderOptions();
    if (options.format === 'xlsx')
      await this.writeXlsx(async (out) => (await renderObject(item, columns, options, out), 1));
    else await renderObject(item, columns, options, this.io.stdout);
  }

  /**
   * Writes the --xlsx file through `fill` (atomically: a temp file beside it, renamed when complete) and,
   * on a terminal, says so; stdout stays empty. Returns the number of rows `fill` wrote.
   */
  private async writeXlsx(fill: (out: NodeJS.WritableStream) => Promise<number>): Promise<number> {
    const file = this.opts.xlsx as string;
    const [{ writeFileAtomically }, { finished }] = await Promise.all([
      import('./output/atomic-file.js'),
      import('node:stream/promises'),
    ]);
    let count = 0;
    await writeFileAtomically(file, async (out) => {
      count = await fill(out);
      out.end();
      await finished(out);
    });
    this.xlsxWritten = true;
    if (this.io.stderrIsTTY) this.note(this.t('msg.xlsxWritten', { count, file }));
    return count;
  }

  /** The output format this run uses. */
  async format(): Promise<import('./output/render.js').OutputFormat> {
    const { chooseFormat } = await import('./output/render.js');
    return chooseFormat({ ...this.opts, output: this.opts.format }, this.io.stdoutIsTTY);
  }

  private async renderOptions(sheet?: string): Promise<import('./output/render.js').RenderOptions> {
    return {
      format: await this.format(),
      fields: this.opts.fields
        ? this.opts.fields
            .split(',')
            .map((f) => f.trim())
            .filter(Boolean)
        : undefined,
      color: this.color,
      lang: this.lang,
      excel: this.opts.excel,
      rawCsv: this.opts.rawCsv,
      width: this.io.columns,
      xlsx: {
        // A list's sheet is named after its noun (`numbers`, not `numbers list`).
        sheet: sheet ?? this.commandWords.replace(/ list$/, ''),
        timeHeader: (field) => this.t('xlsx.timeHeader', { field }),
      },
    };
  }

  /**
   * The "now" a time given on the command line counts from. A relative one (`+1d`, `18:00`; `relative`
   * says which are) counts from the backend's clock, which decides when a schedule falls due: asked once
   * a run (GET /v1/status), so `--at +1d` means the same on a test clock or a skewed machine, and every
   * relative time of the run counts from one instant. Any other time needs no "now" and costs no request.
   */
  async nowFor(text: string, relative: (text: string) => boolean = isRelativeWhen): Promise<Date> {
    if (!relative(text)) return new Date();
    this.backendClock ??= this.client()
      .then((client) => client.call('status.show'))
      .then((status) => (this.backendNow = new Date(status.now)));
    return this.backendClock;
  }

  /** Now by the backend's clock if this run asked for it (`nowFor`), else by this machine's. */
  get clockNow(): Date {
    return this.backendNow ?? new Date();
  }

  /** Drops the cached client (after a login stored a new token) so the next one carries the new session. */
  async forgetClient(): Promise<void> {
    await this.clientInstance?.close();
    this.clientInstance = undefined;
  }

  /** Closes what was opened (the HTTP pool). */
  async close(): Promise<void> {
    // A change may have made an operation or a group: the next completion asks the backend afresh.
    if (this.clientInstance?.madeChanges) await this.forgetCompletions();
    await this.clientInstance?.close();
  }

  /** Drops what a shell's completion cached for this run's server and credential (never fails). */
  private async forgetCompletions(): Promise<void> {
    try {
      const token = await this.token();
      if (!token) return;
      const { CompletionCache, cacheDir } = await import('./completion-cache.js');
      new CompletionCache(cacheDir(this.env), await this.server(), token).clear();
    } catch {
      // only a cache: a completion within its time may still offer the old values
    }
  }
}
