import type { Command } from 'commander';
import type { MessageKey, Translate } from './i18n/index.js';
import { escapeControlChars } from '../domain/safe-text.js';
import { msisdnMessage } from './input/input-error.js';

/** A mistake in how vm was called, or in its input: exit 2. */
export class UsageError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

/** An error already worded for the user, with its exit code. */
export class CliError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/**
 * A word the parser could not place: an unknown subcommand of `command`, or an unknown option of it. The
 * words after it help rank what it was meant to be (suggestions.ts); the run says so and exits 2.
 */
export class UnknownWordError extends Error {
  // Matched by name, not class identity: bundling may rename classes.
  override readonly name = 'UnknownWordError';
  constructor(
    readonly what: 'command' | 'option',
    readonly word: string,
    readonly after: string[],
    readonly command: Command,
  ) {
    super(`unknown ${what} '${word}'`);
  }
}

/** Exit codes of CLI.md. */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  partial: 3,
  auth: 4,
  forbidden: 5,
  /** vm plan --detailed-exitcode: something would change (its failures are 1 then, never 2). */
  changesPresent: 2,
  /** vm backend start: another backend holds the data directory. */
  dataDirLocked: 6,
  /** vm backend start: the data directory or its database cannot be used. */
  dataDirUnusable: 7,
  /** Ctrl-C (SIGINT). */
  interrupted: 130,
  /** SIGTERM (a service manager, `kill`, a CI job's timeout). */
  terminated: 143,
} as const;

/** The message of each problem of a backend data directory (src/backend/store/data-dir.ts). */
const DATA_DIR_MESSAGES: Record<string, MessageKey> = {
  notDirectory: 'err.dataDirNotDirectory',
  notWritable: 'err.dataDirNotWritable',
  corrupt: 'err.dataDirCorrupt',
  full: 'err.dataDirFull',
  io: 'err.dataDirIo',
};

interface ErrorLike {
  name?: string;
  message?: string;
  code?: string;
  details?: Record<string, unknown>;
  requestId?: string;
  server?: string;
  causeCode?: string;
  phase?: string;
  timeoutSeconds?: number;
  field?: string;
  valid?: string[];
  reason?: string;
  /** MsisdnError: the text that is not a number. */
  input?: string;
  /** FormatError: the -o value that names no format. */
  value?: string;
  exitCode?: number;
  status?: number;
  file?: string;
  path?: string;
  pid?: number;
  problem?: string;
  statusText?: string;
  waitSeconds?: number;
  maxWaitSeconds?: number;
  page?: number;
  rows?: number;
  cause?: unknown;
}

/**
 * The one place that turns any error into an exit code and a message in the user's language.
 * Errors are matched by shape, not class, so this module loads nothing heavy.
 */
export function describeError(err: unknown, t: Translate): { exitCode: number; message: string } {
  const e = (err ?? {}) as ErrorLike;
  const name = e.name;
  const withId = (message: string) =>
    e.requestId ? `${message} (${t('err.requestId', { id: e.requestId })})` : message;
  if (name === 'ApiError' && e.code) {
    const detail = localizedDetail(e, t);
    switch (e.code) {
      case 'unauthenticated':
        return { exitCode: EXIT.auth, message: t('err.notLoggedIn') };
      case 'session_expired':
        return { exitCode: EXIT.auth, message: t('err.sessionExpired') };
      case 'token_invalid':
      case 'token_expired':
        return { exitCode: EXIT.auth, message: t('err.tokenInvalid', { detail }) };
      // The backend says no more than this (not whether the login exists, nor how many tries are left).
      case 'invalid_credentials':
        return { exitCode: EXIT.auth, message: t('err.invalidCredentials') };
      case 'account_locked':
        return {
          exitCode: EXIT.auth,
          message: t('err.accountLocked', { until: String(e.details?.lockedUntil ?? '') }),
        };
      case 'user_disabled':
        return { exitCode: EXIT.auth, message: t('err.userDisabled') };
      case 'password_change_required':
        return { exitCode: EXIT.auth, message: t('err.passwordChangeRequired') };
      case 'forbidden':
      case 'scope_exceeded':
        return { exitCode: EXIT.forbidden, message: withId(t('err.forbidden', { detail })) };
      case 'consent_required':
        return { exitCode: EXIT.error, message: detail };
      // A worded reason already says what is missing ("Number … not found", "No user …"); only the
      // server's own text gets the "Not found:" lead, so nothing is said twice.
      case 'not_found':
        return { exitCode: EXIT.error, message: wordedReason(e, t) ?? t('err.notFound', { detail }) };
      case 'validation_failed':
      case 'bad_request':
      case 'invalid_request':
        return { exitCode: EXIT.usage, message: withId(detail) };
      case 'internal':
      case 'unavailable':
        return { exitCode: EXIT.error, message: withId(t('err.server', { detail })) };
      default:
        return { exitCode: EXIT.error, message: withId(detail) };
    }
  }
  // The page's own error decides the code and says what went wrong and what to do, after the news that
  // the rows printed are not the whole list.
  if (name === 'PageFailedError') {
    const inner = describeError(e.cause, t);
    return {
      exitCode: inner.exitCode,
      message: `${t('err.pageFailed', { page: e.page ?? 0, rows: e.rows ?? 0 })} ${inner.message}`,
    };
  }
  if (name === 'DataDirLockedError') {
    const path = e.path ?? '';
    return {
      exitCode: EXIT.dataDirLocked,
      message: e.pid ? t('err.dataDirLocked', { pid: e.pid, path }) : t('err.dataDirLockedNoPid', { path }),
    };
  }
  if (name === 'DataDirError') {
    const key = DATA_DIR_MESSAGES[e.problem ?? ''] ?? 'err.dataDirIo';
    return { exitCode: EXIT.dataDirUnusable, message: t(key, { path: e.path ?? '', code: e.code ?? '' }) };
  }
  if (name === 'ConfigFileError') {
    const key =
      e.problem === 'notJson'
        ? 'err.configNotJson'
        : e.problem === 'notVm'
          ? 'err.configNotVm'
          : 'err.configUnreadable';
    return { exitCode: EXIT.error, message: t(key, { file: e.file ?? '', reason: e.reason ?? '' }) };
  }
  if (name === 'UnexpectedAnswerError') {
    return {
      exitCode: EXIT.error,
      message: t('err.notVmAnswer', {
        server: e.server ?? '',
        status: `${e.status ?? ''} ${e.statusText ?? ''}`.trim(),
      }),
    };
  }
  if (name === 'RetryAfterTooLongError') {
    return {
      exitCode: EXIT.error,
      message: t('err.retryAfterTooLong', {
        server: e.server ?? '',
        wait: e.waitSeconds ?? 0,
        max: e.maxWaitSeconds ?? 0,
      }),
    };
  }
  if (name === 'NetworkError') return { exitCode: EXIT.error, message: networkMessage(e, t) };
  if (name === 'InsecureServerError')
    return { exitCode: EXIT.usage, message: t('err.insecure', { server: e.server ?? '' }) };
  if (name === 'UnknownFieldError') {
    return {
      exitCode: EXIT.usage,
      message: t('err.unknownField', { field: e.field ?? '', valid: (e.valid ?? []).join(', ') }),
    };
  }
  if (name === 'MsisdnError') {
    const message = msisdnMessage({ input: e.input ?? '', reason: e.reason ?? '' }, t);
    return { exitCode: EXIT.usage, message };
  }
  // A workbook is a file, not a stream on stdout: -o xlsx points to the flag that writes one.
  if (name === 'FormatError' && e.value?.trim().toLowerCase() === 'xlsx')
    return { exitCode: EXIT.usage, message: t('err.formatXlsx') };
  if (name === 'FormatError' && e.value !== undefined)
    return { exitCode: EXIT.usage, message: t('err.unknownFormat', { format: e.value }) };
  if (name === 'FormatError' || name === 'UsageError' || name === 'TargetsInputError') {
    return { exitCode: EXIT.usage, message: e.message ?? '' };
  }
  if (name === 'CliError') return { exitCode: e.exitCode ?? EXIT.error, message: e.message ?? '' };
  if (name === 'InterruptedError')
    return {
      exitCode: e.exitCode ?? EXIT.interrupted,
      message: t('err.interruptedFile', { file: e.file ?? '' }),
    };
  // Node's http ends an answer that stops halfway (the backend stopped, a proxy dropped the connection)
  // with "aborted" (ECONNRESET) on the stream a download reads; JSON lines read one by one (an xlsx
  // export) say it with a StreamCutError.
  if (e.message === 'aborted' || e.code === 'ECONNRESET' || name === 'StreamCutError')
    return { exitCode: EXIT.error, message: t('err.answerCut') };
  return { exitCode: EXIT.error, message: t('err.unexpected', { detail: e.message ?? String(err) }) };
}

/** What an error is under --json: the API error object, with vm's own words, its exit code and bad rows. */
export interface ErrorObject {
  error: {
    /** The API's error code, or vm's: invalid_input, usage, network, error. */
    code: string;
    message: string;
    exitCode: number;
    details?: Record<string, unknown>;
    requestId?: string;
    /** The rejected rows of an input file (the first 50), and how many there were. */
    rows?: { source: string; line: number; value: string; reason: string }[];
    count?: number;
  };
}

/**
 * An error as a script reads it when it asked for JSON: the shape of the API's error object (`code`,
 * `message`, `details`, `requestId`) with the exit code, and for an input file its bad rows.
 */
export function errorObject(err: unknown, described: { exitCode: number; message: string }): ErrorObject {
  const e = (err ?? {}) as ErrorLike & { errors?: ErrorObject['error']['rows']; errorCount?: number };
  const error: ErrorObject['error'] = {
    code:
      e.name === 'ApiError' && e.code
        ? e.code
        : e.name === 'TargetsInputError'
          ? 'invalid_input'
          : e.name === 'NetworkError'
            ? 'network'
            : described.exitCode === EXIT.usage
              ? 'usage'
              : 'error',
    message: described.message,
    exitCode: described.exitCode,
  };
  if (e.name === 'ApiError' && e.details) error.details = e.details;
  if (e.requestId) error.requestId = e.requestId;
  if (e.name === 'TargetsInputError' && e.errors?.length) {
    error.rows = e.errors
      .slice(0, 50)
      .map(({ source, line, value, reason }) => ({ source, line, value, reason }));
    error.count = e.errorCount ?? e.errors.length;
  }
  return { error };
}

/**
 * One message per kind of network failure, each saying what to do: an untrusted certificate, a timeout
 * (connecting, or waiting for the answer of a server that accepted the connection), a refused connection,
 * a name that does not resolve; anything else (a reset) names its code.
 */
function networkMessage(e: ErrorLike, t: Translate): string {
  const server = e.server ?? '';
  const code = e.causeCode ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) return t('err.tls', { code });
  if (e.timeoutSeconds !== undefined) {
    const key = e.phase === 'answer' ? 'err.answerTimeout' : 'err.connectTimeout';
    return t(key, { server, seconds: e.timeoutSeconds });
  }
  if (code === 'ECONNREFUSED') return t('err.connectionRefused', { server });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return t('err.hostNotFound', { server, host: hostOf(server), code });
  return t('err.network', { server, code });
}

/** The host name of a server URL (the URL itself if it is not one). */
function hostOf(server: string): string {
  try {
    return new URL(server).hostname;
  } catch {
    return server;
  }
}

/**
 * The backend's message in the user's language: errors carry `details.reason`, a stable sub-code with
 * its parameters, which the catalogs word; an unknown reason falls back to the server's English text.
 * Either way names the server echoes (`You already have a token named "..."`) have their control
 * characters escaped, as the parameters of every message have.
 */
function localizedDetail(e: ErrorLike, t: Translate): string {
  return wordedReason(e, t) ?? escapeControlChars(e.message ?? e.code ?? '');
}

/** The catalog's wording of the error's `details.reason`, or undefined when the catalogs have none. */
function wordedReason(e: ErrorLike, t: Translate): string | undefined {
  const reason = e.details?.reason;
  if (typeof reason !== 'string') return undefined;
  const key = `reason.${reason}` as MessageKey;
  const params = Object.fromEntries(
    Object.entries(e.details ?? {}).map(([k, v]) => [k, typeof v === 'number' ? v : String(v)]),
  );
  const text = t(key, params);
  return text === key ? undefined : text;
}

/** commander's own usage messages, worded in Russian (English passes through as commander wrote it). */
const COMMANDER_RU: [RegExp, string][] = [
  [/unknown option '([^']*)'/, "неизвестный параметр '$1'"],
  [/unknown command '([^']*)'/, "неизвестная команда '$1'"],
  [/missing required argument '([^']*)'/, "не хватает обязательного аргумента '$1'"],
  [/required option '([^']*)' not specified/, "не указан обязательный параметр '$1'"],
  [/option '([^']*)' argument missing/, "у параметра '$1' нет значения"],
  [
    /option '([^']*)' argument '([^']*)' is invalid\. Allowed choices are (.*)\./,
    "у параметра '$1' недопустимое значение '$2'. Допустимо: $3.",
  ],
  [
    /option '([^']*)' argument '([^']*)' is invalid\. (.*)/,
    "у параметра '$1' недопустимое значение '$2': $3",
  ],
  [
    /too many arguments for '([^']*)'\. Expected (\d+) arguments? but got (\d+)\./,
    "слишком много аргументов у '$1': ожидалось $2, получено $3.",
  ],
  [
    /too many arguments\. Expected (\d+) arguments? but got (\d+)\./,
    'слишком много аргументов: ожидалось $1, получено $2.',
  ],
  [/\(Did you mean (.*)\?\)/, '(Возможно, имелось в виду $1?)'],
];

/** Translates a commander error message for `lang`. */
export function localizeCommanderMessage(message: string, lang: 'en' | 'ru'): string {
  if (lang === 'en') return message;
  return COMMANDER_RU.reduce((text, [pattern, ru]) => text.replace(pattern, ru), message);
}
