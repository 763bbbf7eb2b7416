import { describe, expect, it } from 'vitest';
import { afterAll } from 'vitest';
import { checkNewPassword, hashPassword, stopPasswordWorker, verifyPassword } from '../../server/services/passwords.ts';

afterAll(() => stopPasswordWorker());

describe('password policy', () => {
  it('refuses fewer than 12 characters', async () => {
    expect((await checkNewPassword('Court!2x', [], 'fr'))?.key).toBe('validation.passwordTooShort');
  });
  it('refuses more than 1,024 bytes instead of truncating', async () => {
    expect((await checkNewPassword('é'.repeat(513), [], 'fr'))?.key).toBe('validation.passwordTooLong');
    expect((await checkNewPassword('a'.repeat(1024), [], 'fr'))?.key).not.toBe('validation.passwordTooLong');
  });
  it('refuses common and guessable passwords, saying why in the person’s language', async () => {
    const fr = await checkNewPassword('motdepasse123', [], 'fr');
    expect(fr?.key).toMatch(/passwordWeak/);
    const en = await checkNewPassword('password1234', [], 'en');
    expect(en?.key).toMatch(/passwordWeak/);
    expect((await checkNewPassword('azertyuiopqs', [], 'fr'))?.key).toMatch(/passwordWeak/);
  });
  it('refuses a password made of the person’s own handle', async () => {
    expect((await checkNewPassword('marie_dupont2026', ['marie_dupont2026', 'Marie Dupont'], 'fr'))?.key).toMatch(/passwordWeak/);
  });
  it('accepts a long passphrase', async () => {
    expect(await checkNewPassword('lanterne-verte-sous-la-pluie', [], 'fr')).toBeUndefined();
  });
  it('checks in a worker thread that stops when asked and starts again with the next check', async () => {
    await stopPasswordWorker();
    expect((await checkNewPassword('motdepasse123', [], 'fr'))?.key).toMatch(/passwordWeak/);
    expect(await checkNewPassword('lanterne-verte-sous-la-pluie', [], 'fr')).toBeUndefined();
  });
  it('answers many checks at once, each with its own result', async () => {
    const checks = await Promise.all(['password1234', 'lanterne-verte-sous-la-pluie', 'azertyuiopqs', 'un-jardin-partagé-au-soleil'].map((p) => checkNewPassword(p, [], 'en')));
    expect(checks.map((c) => c === undefined)).toEqual([false, true, false, true]);
  });
  it('hashes with argon2id and verifies', async () => {
    const h = await hashPassword('lanterne-verte-sous-la-pluie');
    expect(h.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    expect(await verifyPassword(h, 'lanterne-verte-sous-la-pluie')).toBe(true);
    expect(await verifyPassword(h, 'lanterne-verte-sous-la-pluiE')).toBe(false);
  });
});
