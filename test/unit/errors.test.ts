import { ApiError } from '../../src/api/errors.js';
import {
  NetworkError,
  PageFailedError,
  RetryAfterTooLongError,
  UnexpectedAnswerError,
} from '../../src/client/errors.js';
import { describeError, localizeCommanderMessage, UsageError } from '../../src/cli/errors.js';
import { translator } from '../../src/cli/i18n/catalogs.js';
import { FormatError } from '../../src/cli/output/format.js';

const en = translator('en');
const ru = translator('ru');

describe('describeError', () => {
  it('points -o xlsx to --xlsx FILE (a workbook is a file), exit 2, in both languages', () => {
    const xlsx = new FormatError('Unknown output format "xlsx"', 'xlsx');
    expect(describeError(xlsx, en)).toEqual({
      exitCode: 2,
      message:
        'A workbook is written to a file: use --xlsx FILE (e.g. --xlsx numbers.xlsx) instead of -o xlsx.',
    });
    expect(describeError(xlsx, ru).message).toMatch(
      /^Книга Excel пишется в файл: вместо -o xlsx укажите --xlsx/,
    );
    expect(describeError(new FormatError('x', 'yaml'), en).message).toMatch(/^Unknown output format "yaml"/);
  });

  it('maps authentication failures to exit 4 with the advice to log in again', () => {
    expect(describeError(new ApiError('session_expired', 'x'), en)).toEqual({
      exitCode: 4,
      message: 'Session expired after 20 minutes idle. Run: vm login',
    });
    expect(
      describeError(new ApiError('account_locked', 'x', { lockedUntil: '2026-11-02T10:15:00Z' }), ru).message,
    ).toBe('Слишком много неудачных входов: учётная запись заблокирована до 2026-11-02T10:15:00Z.');
  });

  it('says an answer cut off halfway (a stream\'s "aborted", ECONNRESET) in words, exit 1, in both languages', () => {
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    expect(describeError(aborted, en)).toEqual({
      exitCode: 1,
      message: expect.stringMatching(/^The connection to the backend broke while its answer was coming/),
    });
    expect(describeError(aborted, ru).message).toMatch(/^Соединение с бэкендом оборвалось/);
    expect(describeError(new Error('aborted'), en).message).not.toMatch(/Unexpected/);
  });

  it('maps rights to exit 5, input to 2, not found to 1', () => {
    expect(describeError(new ApiError('forbidden', 'x'), en).exitCode).toBe(5);
    expect(describeError(new ApiError('scope_exceeded', 'x'), en).exitCode).toBe(5);
    expect(describeError(new ApiError('validation_failed', 'x'), en).exitCode).toBe(2);
    expect(describeError(new ApiError('not_found', 'x'), en).exitCode).toBe(1);
    expect(describeError(new UsageError('bad'), en)).toEqual({ exitCode: 2, message: 'bad' });
  });

  it("words the backend's reason in the user's language", () => {
    const err = new ApiError('not_found', 'Number +79161234567 not found', {
      reason: 'number_not_found',
      msisdn: '+79161234567',
    });
    expect(describeError(err, en).message).toBe('Number +79161234567 not found');
    expect(describeError(err, ru).message).toBe('Номер +79161234567 не найден');
  });

  it('says "not found" once: the lead only before a reason the catalogs do not word', () => {
    expect(describeError(new ApiError('not_found', 'No such thing'), ru).message).toBe(
      'Не найдено: No such thing',
    );
    const user = new ApiError('not_found', 'No user', { reason: 'user_not_found', user: 'x@demo.test' });
    expect(describeError(user, ru).message).toBe('Нет пользователя «x@demo.test»');
  });

  it("falls back to the server's text for a reason it does not know", () => {
    const err = new ApiError('conflict', 'Something new', { reason: 'brand_new_reason' });
    expect(describeError(err, ru).message).toBe('Something new');
  });

  it('says a certificate is untrusted instead of "is it running?"', () => {
    const err = new NetworkError('https://127.0.0.1:1', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed');
    expect(describeError(err, en).message).toMatch(/certificate is not trusted.*--ca/);
    const down = new NetworkError('http://127.0.0.1:1', 'ECONNREFUSED', 'refused');
    expect(describeError(down, en).message).toMatch(/Is it running\?/);
  });

  it('says a proxy page is not a vm answer, never "Cannot reach"', () => {
    const err = new UnexpectedAnswerError('http://127.0.0.1:1', 502, 'Bad Gateway');
    expect(describeError(err, en)).toEqual({
      exitCode: 1,
      message:
        'The server at http://127.0.0.1:1 answered 502 Bad Gateway, which is not a vm backend answer. Check the address (--server, VM_SERVER) and any proxy in between.',
    });
    expect(describeError(err, ru).message).toMatch(/^Сервер http:\/\/127\.0\.0\.1:1 ответил 502 Bad Gateway/);
  });

  it('says how long the server asked to wait and how to allow it', () => {
    const err = new RetryAfterTooLongError('http://127.0.0.1:1', 429, 100000, 60);
    const { exitCode, message } = describeError(err, en);
    expect(exitCode).toBe(1);
    expect(message).toContain('asked to wait 100000 s');
    expect(message).toContain('more than the 60 s');
    expect(message).toContain('--max-wait SECONDS or VM_MAX_RETRY_WAIT');
  });

  it("says a list stopped part way, keeping the page's own exit code and message", () => {
    const expired = new PageFailedError(5, 4000, new ApiError('session_expired', 'x'));
    expect(describeError(expired, en)).toEqual({
      exitCode: 4,
      message:
        'The list is incomplete: it stopped at page 5, after 4000 rows. Session expired after 20 minutes idle. Run: vm login',
    });
    const reset = new PageFailedError(2, 1000, new NetworkError('http://127.0.0.1:1', 'ECONNRESET', 'reset'));
    expect(describeError(reset, ru)).toEqual({
      exitCode: 1,
      message: expect.stringMatching(/^Список неполный: он прервался на странице 2, после строк: 1000\. /),
    });
  });
});

describe('localizeCommanderMessage', () => {
  it('words commander usage errors in Russian and leaves English alone', () => {
    expect(localizeCommanderMessage("unknown option '--x'\n", 'ru')).toBe("неизвестный параметр '--x'\n");
    expect(localizeCommanderMessage("missing required argument 'number'", 'ru')).toBe(
      "не хватает обязательного аргумента 'number'",
    );
    expect(localizeCommanderMessage("unknown option '--x'", 'en')).toBe("unknown option '--x'");
  });

  it('words "too many arguments" of the program itself (no command name) whole', () => {
    expect(localizeCommanderMessage('too many arguments. Expected 0 arguments but got 1.', 'ru')).toBe(
      'слишком много аргументов: ожидалось 0, получено 1.',
    );
  });
});
