import { describe, expect, it } from 'vitest';
import { safeNext } from '../../server/routes/helpers.ts';
import { localeFromAcceptLanguage } from '../../server/i18n/index.ts';
import { decodeCursor, encodeCursor } from '../../server/db/pagination.ts';

describe('safeNext', () => {
  it.each(['/', '/account', '/account/sessions?x=1#top'])('keeps the same-origin path %s', (p) => {
    expect(safeNext(p)).toBe(p);
  });
  it.each([
    'https://evil.example',
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'javascript:alert(1)',
    '/%0d%0aSet-Cookie:x',
    'account',
    '',
    '/\t/evil.example',
  ])('falls back to / for %s', (p) => {
    const out = safeNext(p);
    expect(out.startsWith('/')).toBe(true);
    expect(out.startsWith('//')).toBe(false);
    expect(new URL(out, 'http://here.test').origin).toBe('http://here.test');
  });
});

describe('localeFromAcceptLanguage', () => {
  it('picks the best supported language by quality', () => {
    expect(localeFromAcceptLanguage('en-GB,en;q=0.9,fr;q=0.8')).toBe('en');
    expect(localeFromAcceptLanguage('de-DE,de;q=0.9,fr;q=0.5,en;q=0.4')).toBe('fr');
    expect(localeFromAcceptLanguage('de')).toBeUndefined();
    expect(localeFromAcceptLanguage(undefined)).toBeUndefined();
  });
});

describe('keyset cursors', () => {
  it('round-trips and rejects garbage', () => {
    const c = { createdAt: new Date('2026-11-22T10:00:00.123Z'), id: 42 };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    expect(decodeCursor('not-a-cursor')).toBeUndefined();
    expect(decodeCursor(Buffer.from("2026-01-01T00:00:00Z|1; drop table users").toString('base64url'))).toBeUndefined();
  });
});
