import {
  formatMoney,
  formatMoneyPlain,
  kopecks,
  MoneyParseError,
  parseMoney,
} from '../../src/domain/money.js';

const NBSP = '\u00A0';
const NNBSP = '\u202F';

describe('kopecks', () => {
  it('brands a safe integer unchanged', () => {
    expect(kopecks(150000)).toBe(150000);
  });

  it('turns negative zero into zero', () => {
    expect(Object.is(kopecks(-0), 0)).toBe(true);
  });

  it.each([1.5, NaN, Infinity, Number.MAX_SAFE_INTEGER + 1])('refuses %p', (n) => {
    expect(() => kopecks(n)).toThrow(RangeError);
  });
});

describe('parseMoney', () => {
  it.each<[string, number]>([
    ['1500', 150000],
    ['1500.00', 150000],
    ['1500,5', 150050],
    ['1500.05', 150005],
    ['0,01', 1],
    ['0', 0],
    ['1 500,00', 150000],
    [`1${NBSP}500,00`, 150000],
    [`1${NNBSP}500,00`, 150000],
    [`1 234 567,89`, 123456789],
    ['1 500', 150000],
    ['1,500.00', 150000],
    ['1,234,567', 123456700],
    ['1,234,567.8', 123456780],
    ['-20.10', -2010],
    ['\u221220,10', -2010],
    ['-0.05', -5],
    ['  42  ', 4200],
  ])('reads %p as %p kopecks', (text, expected) => {
    expect(parseMoney(text)).toBe(expected);
  });

  it.each<[string, number]>([
    ['1500 ₽', 150000],
    ['1500₽', 150000],
    ['₽ 1500', 150000],
    ['RUB 1,234.50', 123450],
    ['rub 10', 1000],
    ['1 234,50 руб.', 123450],
    ['1 234,50 руб', 123450],
    ['10 РУБ.', 1000],
    ['-RUB 1,234.50', -123450],
    ['RUB -1,234.50', -123450],
    ['-1 234,50 ₽', -123450],
  ])('accepts the currency around the number in %p', (text, expected) => {
    expect(parseMoney(text)).toBe(expected);
  });

  it('reads negative zero as zero', () => {
    expect(Object.is(parseMoney('-0.00'), 0)).toBe(true);
  });

  it.each([
    '',
    '   ',
    'abc',
    '₽',
    '-',
    '1.2.3',
    '12.345',
    '12,345',
    '1,500',
    '1 50',
    '1  500',
    '1 500.000',
    '1,50.00',
    '.50',
    '1.',
    '--5',
    '-5-',
    '- RUB -5',
    '₽ 5 ₽',
    '5 USD',
    '5e3',
    '0x10',
    '+5',
    '1_000',
    '1.234,50',
    '9'.repeat(80),
  ])('refuses %p with a MoneyParseError that carries the input', (text) => {
    let caught: unknown;
    try {
      parseMoney(text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(MoneyParseError);
    expect((caught as MoneyParseError).input).toBe(text);
  });

  it('refuses amounts beyond the safe integer range', () => {
    expect(() => parseMoney('90071992547409.92')).toThrow(MoneyParseError);
    expect(parseMoney('90071992547409.91')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('keeps every kopeck of 10^12 kopecks', () => {
    expect(parseMoney('10 000 000 000,00')).toBe(1e12);
    expect(parseMoney('9 999 999 999,99')).toBe(1e12 - 1);
    expect(parseMoney('-9,999,999,999.99')).toBe(-(1e12 - 1));
  });
});

describe('formatMoney', () => {
  it('writes ru money with NBSP between thousands, a decimal comma and ₽', () => {
    expect(formatMoney(123450, 'ru')).toBe(`1${NBSP}234,50 ₽`);
  });

  it('writes en money as RUB with comma thousands and a decimal dot', () => {
    expect(formatMoney(123450, 'en')).toBe('RUB 1,234.50');
  });

  it('puts the minus sign first', () => {
    expect(formatMoney(-123450, 'ru')).toBe(`-1${NBSP}234,50 ₽`);
    expect(formatMoney(-123450, 'en')).toBe('-RUB 1,234.50');
  });

  it.each<[number, string, string]>([
    [0, '0,00 ₽', 'RUB 0.00'],
    [5, '0,05 ₽', 'RUB 0.05'],
    [-5, '-0,05 ₽', '-RUB 0.05'],
    [100, '1,00 ₽', 'RUB 1.00'],
    [99999, '999,99 ₽', 'RUB 999.99'],
    [100000, `1${NBSP}000,00 ₽`, 'RUB 1,000.00'],
    [1e12, `10${NBSP}000${NBSP}000${NBSP}000,00 ₽`, 'RUB 10,000,000,000.00'],
  ])('formats %p kopecks as %p and %p', (k, ru, en) => {
    expect(formatMoney(k, 'ru')).toBe(ru);
    expect(formatMoney(k, 'en')).toBe(en);
  });

  it('refuses a fraction of a kopeck', () => {
    expect(() => formatMoney(1.5, 'ru')).toThrow(RangeError);
  });
});

describe('formatMoneyPlain', () => {
  it.each<[number, string]>([
    [123450, '1234.50'],
    [-5, '-0.05'],
    [0, '0.00'],
    [-0, '0.00'],
    [7, '0.07'],
    [1e12, '10000000000.00'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
    [-Number.MAX_SAFE_INTEGER, '-90071992547409.91'],
  ])('formats %p kopecks as %p', (k, text) => {
    expect(formatMoneyPlain(k)).toBe(text);
  });
});

describe('round trips', () => {
  const samples = [
    0,
    1,
    5,
    10,
    99,
    100,
    101,
    12345,
    100000,
    123456789,
    1e12 - 1,
    1e12,
    Number.MAX_SAFE_INTEGER,
  ];
  const all = [...samples, ...samples.map((k) => -k).filter((k) => k !== 0)];

  it.each(all)('reads back %p kopecks from every format', (k) => {
    expect(parseMoney(formatMoney(k, 'ru'))).toBe(k);
    expect(parseMoney(formatMoney(k, 'en'))).toBe(k);
    expect(parseMoney(formatMoneyPlain(k))).toBe(k);
  });

  it('reads back every kopeck value of the first 100 rubles', () => {
    for (let k = -10000; k <= 10000; k++) {
      expect(parseMoney(formatMoneyPlain(k))).toBe(k);
      expect(parseMoney(formatMoney(k, 'ru'))).toBe(k);
    }
  });
});
