import type { Translate } from './i18n/index.js';

/** A mistake in how vm was called, or in its input: exit 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** An error already worded for the user, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
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
  interrupted: 130,
} as const;

interface ErrorLike {
  name?: string;
  message?: string;
  code?: string;
  details?: Record<string, unknown>;
  requestId?: string;
  server?: string;
  causeCode?: string;
  field?: string;
  valid?: string[];
  reason?: string;
  exitCode?: number;
}

/**
 * The one place that turns any error into an exit code and a message in the user's language.
 * Errors are matched by shape, not class, so this module loads nothing heavy.
 */
export function describeError(err: unknown, t: Translate): { exitCode: number; message: string } {
  const e = (err ?? {}) as ErrorLike;
  const name = (err as object)?.constructor?.name;
  const withId = (message: string) =>
    e.requestId ? `${message} (${t('err.requestId', { id: e.requestId })})` : message;
  if (name === 'ApiError' && e.code) {
    const detail = e.message ?? e.code;
    switch (e.code) {
      case 'unauthenticated':
        return { exitCode: EXIT.auth, message: t('err.notLoggedIn') };
      case 'session_expired':
        return { exitCode: EXIT.auth, message: t('err.sessionExpired') };
      case 'token_invalid':
      case 'token_expired':
        return { exitCode: EXIT.auth, message: t('err.tokenInvalid', { detail }) };
      case 'invalid_credentials': {
        const left = e.details?.attemptsLeft;
        return {
          exitCode: EXIT.auth,
          message:
            typeof left === 'number'
              ? t('err.invalidCredentialsLeft', { left })
              : t('err.invalidCredentials'),
        };
      }
      case 'account_locked':
        return {
          exitCode: EXIT.auth,
          message: t('err.accountLocked', { until: String(e.details?.lockedUntil ?? '') }),
        };
      case 'user_disabled':
        return { exitCode: EXIT.auth, message: t('err.userDisabled') };
      case 'forbidden':
      case 'scope_exceeded':
        return { exitCode: EXIT.forbidden, message: withId(t('err.forbidden', { detail })) };
      case 'not_found':
        return { exitCode: EXIT.error, message: t('err.notFound', { detail }) };
      case 'validation_failed':
      case 'bad_request':
        return { exitCode: EXIT.usage, message: withId(detail) };
      case 'internal':
      case 'unavailable':
        return { exitCode: EXIT.error, message: withId(t('err.server', { detail })) };
      default:
        return { exitCode: EXIT.error, message: withId(detail) };
    }
  }
  if (name === 'NetworkError' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(e.causeCode ?? '')) {
    return { exitCode: EXIT.error, message: t('err.tls', { code: e.causeCode ?? '' }) };
  }
  if (name === 'NetworkError') {
    return {
      exitCode: EXIT.error,
      message: t('err.network', { server: e.server ?? '', code: e.causeCode ?? '' }),
    };
  }
  if (name === 'InsecureServerError')
    return { exitCode: EXIT.usage, message: t('err.insecure', { server: e.server ?? '' }) };
  if (name === 'UnknownFieldError') {
    return {
      exitCode: EXIT.usage,
      message: t('err.unknownField', { field: e.field ?? '', valid: (e.valid ?? []).join(', ') }),
    };
  }
  if (name === 'FormatError' || name === 'MsisdnError' || name === 'UsageError') {
    return { exitCode: EXIT.usage, message: e.message ?? '' };
  }
  if (name === 'CliError') return { exitCode: e.exitCode ?? EXIT.error, message: e.message ?? '' };
  return { exitCode: EXIT.error, message: t('err.unexpected', { detail: e.message ?? String(err) }) };
}
