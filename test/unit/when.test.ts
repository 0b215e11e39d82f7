import { en } from '../../src/cli/i18n/en.js';
import { createTranslator } from '../../src/cli/i18n/index.js';
import { isRelativeWhen, parseWhen } from '../../src/cli/when.js';

const t = createTranslator(en);
const NOW = new Date('2026-12-02T10:00:00Z');

describe('parseWhen', () => {
  it.each([
    ['+30s', '2026-12-02T10:00:30.000Z'],
    ['+15m', '2026-12-02T10:15:00.000Z'],
    ['+2h', '2026-12-02T12:00:00.000Z'],
    ['+1d', '2026-12-03T10:00:00.000Z'],
    ['+2H', '2026-12-02T12:00:00.000Z'],
    ['2026-12-31T18:00:00Z', '2026-12-31T18:00:00.000Z'],
    ['2026-12-31T18:00:00+03:00', '2026-12-31T15:00:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect(parseWhen(text, NOW, t)).toBe(iso);
  });

  it.each(['+2w', 'soon', '+', '25:00', '2026-13-45'])('refuses %s, naming the forms it takes', (text) => {
    expect(() => parseWhen(text, NOW, t)).toThrow(/\+30s, \+15m, \+2h, \+1d/);
  });
});

describe('isRelativeWhen', () => {
  it.each(['+30s', '+1d', ' +2H ', '18:00', '8:30'])(
    'takes %s as relative: it needs the backend clock',
    (text) => {
      expect(isRelativeWhen(text)).toBe(true);
    },
  );

  it.each(['2026-12-31T18:00:00Z', '2026-12-31 18:00', '2026-12-31', 'soon', '90d'])(
    'takes %s as not relative: no request for it',
    (text) => {
      expect(isRelativeWhen(text)).toBe(false);
    },
  );
});
