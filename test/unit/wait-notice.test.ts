import { Writable } from 'node:stream';
import { translator } from '../../src/cli/i18n/catalogs.js';
import { waitNotice } from '../../src/cli/output/wait-notice.js';

function capture() {
  const out = { text: '' };
  const stream = new Writable({
    write(chunk, _enc, done) {
      out.text += String(chunk);
      done();
    },
  });
  return { out, stream };
}

describe('the notice of a long wait', () => {
  it('passes waits under 2 s by, then tells the first long one once, rounding its seconds up', () => {
    const { out, stream } = capture();
    const notice = waitNotice(stream, translator('en'));
    notice('unavailable', 1_999);
    expect(out.text).toBe('');
    notice('rate_limited', 3_200);
    notice('network', 9_000);
    expect(out.text).toBe('\r\x1b[2KRate limited by the backend, waiting 4 s…\n');
  });

  it.each([
    ['unavailable', 'The backend is unavailable for now, waiting 2 s before trying again…'],
    ['network', 'The connection to the backend failed, waiting 2 s before trying again…'],
  ] as const)('says why for %s', (reason, said) => {
    const { out, stream } = capture();
    waitNotice(stream, translator('en'))(reason, 2_000);
    expect(out.text).toBe(`\r\x1b[2K${said}\n`);
  });

  it('speaks Russian', () => {
    const { out, stream } = capture();
    waitNotice(stream, translator('ru'))('rate_limited', 4_000);
    expect(out.text).toBe('\r\x1b[2KБэкенд ограничивает частоту запросов, ждём 4 с…\n');
  });
});
