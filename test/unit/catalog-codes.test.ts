import { catalogCode, closestCode, type CatalogEntry } from '../../src/domain/catalog-codes.js';

const catalog: CatalogEntry[] = [
  { code: 'VOICE_ECO', name: 'Voice Economy' },
  { code: 'SMART', name: 'Smart' },
  { code: 'SMART_PLUS', name: 'Smart Plus' },
  { code: 'BUSINESS_PRO', name: 'Business Pro' },
  { code: 'UNLIM', name: 'Unlimited' },
  { code: 'MMS', name: 'MMS' },
  { code: 'VPN_APN', name: 'Corporate APN (VPN)' },
];

describe('catalogCode', () => {
  it('takes a code in any case and with spaces around it, as the backend reads it', () => {
    expect(catalogCode(' smart_plus ', catalog)).toBe('SMART_PLUS');
    expect(catalogCode('smart plus', catalog)).toBeUndefined();
  });
});

describe('closestCode', () => {
  it.each([
    ['smart plus', 'SMART_PLUS'],
    ['Smart-Plus', 'SMART_PLUS'],
    ['voice.eco', 'VOICE_ECO'],
    ['unlimited', 'UNLIM'],
    ['S\u041c\u0410RT', 'SMART'], // Cyrillic М and А
    ['\u0421\u041c\u0410\u0420\u0422', 'SMART'], // СМАРТ, SMART in Russian letters
    ['смарт плюс', 'SMART_PLUS'],
    ['бизнес про', 'BUSINESS_PRO'],
    ['SMAR', 'SMART'],
    ['SMRAT', 'SMART'],
    ['busines_pro', 'BUSINESS_PRO'],
  ])('reads %j as %s', (typed, code) => {
    expect(closestCode(typed, catalog)).toBe(code);
  });

  it.each([['nonsense'], ['XYZ'], ['безлимит'], ['']])('suggests nothing for %j', (typed) => {
    expect(closestCode(typed, catalog)).toBeUndefined();
  });
});
