import { formatMsisdn, parseMsisdn, MsisdnError, tryParseMsisdn } from '../../src/domain/msisdn.js';

describe('parseMsisdn', () => {
  it.each([
    ['8 (916) 123-45-67', '+79161234567'],
    ['+7 916 123 45 67', '+79161234567'],
    ['79161234567', '+79161234567'],
    ['89161234567', '+79161234567'],
    ['9161234567', '+79161234567'],
    ['+7(916)1234567', '+79161234567'],
    ['  +7-916-123-45-67 ', '+79161234567'],
    ['8\u00a0916\u00a0123\u00a045\u00a067', '+79161234567'],
    ['+7 (495) 123-45-67', '+74951234567'],
    ['+44 20 7946 0958', '+442079460958'],
  ])('normalizes %s to %s', (input, expected) => {
    expect(parseMsisdn(input)).toBe(expected);
  });

  it.each(['8916123', '12345', '+7 916 123 45 678', '+7 116 123 45 67', 'abc', '8 (916) 123-45-6x'])(
    'refuses %s',
    (input) => {
      expect(() => parseMsisdn(input)).toThrow(MsisdnError);
    },
  );

  it("refuses Excel's exponent form with a hint to export the column as text", () => {
    expect(() => parseMsisdn('7.91612E+10')).toThrow(/Excel.*text/);
  });

  it('refuses an empty string', () => {
    expect(() => parseMsisdn('  ')).toThrow(/empty/);
  });

  it('returns null instead of throwing in tryParseMsisdn', () => {
    expect(tryParseMsisdn('nope')).toBeNull();
    expect(tryParseMsisdn('89161234567')).toBe('+79161234567');
  });

  it('formats Russian numbers for people and leaves others in E.164', () => {
    expect(formatMsisdn('+79161234567')).toBe('+7 916 123-45-67');
    expect(formatMsisdn('+442079460958')).toBe('+442079460958');
  });
});
