import { describe, expect, it } from 'vitest';
import { checkNewPassword, hashPassword, verifyPassword } from '../../server/services/passwords.ts';

describe('password policy', () => {
  it('refuses fewer than 12 characters', () => {
    expect(checkNewPassword('Court!2x', [], 'fr')?.key).toBe('validation.passwordTooShort');
  });
  it('refuses more than 1,024 bytes instead of truncating', () => {
    expect(checkNewPassword('é'.repeat(513), [], 'fr')?.key).toBe('validation.passwordTooLong');
    expect(checkNewPassword('a'.repeat(1024), [], 'fr')?.key).not.toBe('validation.passwordTooLong');
  });
  it('refuses common and guessable passwords, saying why in the person’s language', () => {
    const fr = checkNewPassword('motdepasse123', [], 'fr');
    expect(fr?.key).toMatch(/passwordWeak/);
    const en = checkNewPassword('password1234', [], 'en');
    expect(en?.key).toMatch(/passwordWeak/);
    expect(checkNewPassword('azertyuiopqs', [], 'fr')?.key).toMatch(/passwordWeak/);
  });
  it('refuses a password made of the person’s own handle', () => {
    expect(checkNewPassword('marie_dupont2026', ['marie_dupont2026', 'Marie Dupont'], 'fr')?.key).toMatch(/passwordWeak/);
  });
  it('accepts a long passphrase', () => {
    expect(checkNewPassword('lanterne-verte-sous-la-pluie', [], 'fr')).toBeUndefined();
  });
  it('hashes with argon2id and verifies', async () => {
    const h = await hashPassword('lanterne-verte-sous-la-pluie');
    expect(h.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    expect(await verifyPassword(h, 'lanterne-verte-sous-la-pluie')).toBe(true);
    expect(await verifyPassword(h, 'lanterne-verte-sous-la-pluiE')).toBe(false);
  });
});
