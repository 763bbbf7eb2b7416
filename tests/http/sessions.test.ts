import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { createUser, PASSWORD } from '../support/factories.ts';

const DAY = 86_400_000;
let clock = new Date('2026-11-22T10:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: () => clock });
  await createUser(t.db, { handle: 'admin_x', role: 'admin' });
  await createUser(t.db, { handle: 'Paul', email: 'paul@example.org' });
  await createUser(t.db, { handle: 'Zoe' });
});
afterAll(async () => t.close());

const sessionsOf = (handle: string) =>
  t.db.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.user_id').select(['sessions.id', 'sessions.expires_at']).where('users.handle', '=', handle).execute();

describe('session lifetime', () => {
  it('lasts 30 days, is extended when half is used, and ends after 30 idle days', async () => {
    clock = new Date('2026-11-22T10:00:00Z');
    const c = await t.loggedIn('Zoe');
    const [s] = await sessionsOf('Zoe');
    expect(s!.expires_at.getTime()).toBe(clock.getTime() + 30 * DAY);

    // 10 days later: more than half left, nothing moves.
    clock = new Date(clock.getTime() + 10 * DAY);
    const r1 = await c.get('/account');
    expect(r1.status).toBe(200);
    expect(String(r1.headers['set-cookie'] ?? '')).not.toMatch(/entraide_session=/);
    expect((await sessionsOf('Zoe'))[0]!.expires_at.getTime()).toBe(s!.expires_at.getTime());

    // 6 more days: less than half left, the expiry slides and the cookie is sent again.
    clock = new Date(clock.getTime() + 6 * DAY);
    const r2 = await c.get('/account');
    expect(r2.status).toBe(200);
    expect(String(r2.headers['set-cookie'])).toMatch(/entraide_session=[a-z2-7]{32};/);
    expect((await sessionsOf('Zoe'))[0]!.expires_at.getTime()).toBe(clock.getTime() + 30 * DAY);

    // 31 idle days: the session is over and its row removed.
    clock = new Date(clock.getTime() + 31 * DAY);
    const r3 = await c.get('/account');
    expect(r3.status).toBe(303);
    expect(r3.headers.location).toBe('/login?next=%2Faccount');
    expect(await sessionsOf('Zoe')).toHaveLength(0);
    clock = new Date('2026-11-22T10:00:00Z');
  });

  it('ignores a forged or malformed cookie', async () => {
    const c = t.client();
    const res = await c.get('/account').set('cookie', 'entraide_session=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    expect(res.status).toBe(303);
    const weird = await c.get('/').set('cookie', "entraide_session=' or 1=1 --");
    expect(weird.status).toBe(200);
  });
});

describe('active sessions page', () => {
  it('lists the person’s sessions with device and last activity, and revokes one', async () => {
    const phone = t.client();
    await phone.submit('/login', { login: 'Paul', password: PASSWORD }, { from: '/login' }).then(async (r) => {
      expect(r.status).toBe(303);
    });
    const laptop = t.client();
    laptop.agent.set('user-agent', 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0');
    await laptop.login('Paul');
    const page = await laptop.get('/account/sessions');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Firefox 128 · Linux');
    expect(page.text).toContain('cet appareil');
    const ids = [...page.text.matchAll(/name="id" value="([0-9a-f]{64})"/g)].map((m) => m[1]!);
    expect(ids).toHaveLength(2);

    // Revoke the other one (the phone): it is logged out, the laptop is not.
    const current = (await sessionsOf('Paul')).map((s) => s.id);
    const laptopRow = await t.db.selectFrom('sessions').select('id').where('user_agent', 'like', '%Firefox/128%').executeTakeFirstOrThrow();
    const phoneId = current.find((id) => id !== laptopRow.id)!;
    const res = await laptop.submit('/account/sessions/revoke', { id: phoneId }, { from: '/account/sessions' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account/sessions?notice=sessionRevoked');
    expect((await phone.get('/account')).status).toBe(303);
    expect((await laptop.get('/account')).status).toBe(200);
    const audit = await t.db.selectFrom('audit_events').selectAll().where('action', '=', 'account.session_revoked').execute();
    expect(audit).toHaveLength(1);
  });

  it('answers 404 for another person’s session and leaves it alone', async () => {
    const zoe = await t.loggedIn('Zoe');
    const paul = await t.loggedIn('Paul');
    const zoeIds = (await sessionsOf('Zoe')).map((s) => s.id);
    const res = await paul.submit('/account/sessions/revoke', { id: zoeIds[0]! }, { from: '/account/sessions' });
    expect(res.status).toBe(404);
    expect((await sessionsOf('Zoe')).map((s) => s.id)).toEqual(zoeIds);
    expect((await zoe.get('/account')).status).toBe(200);
  });
});

describe('password change', () => {
  it('ends every session, keeps this browser signed in with a new token, and the new password works', async () => {
    await createUser(t.db, { handle: 'Nina' });
    const other = await t.loggedIn('Nina');
    const c = await t.loggedIn('Nina');
    const before = (await sessionsOf('Nina')).map((s) => s.id);
    expect(before).toHaveLength(2);
    const NEW = 'un-nouveau-mot-de-passe-solide';
    const res = await c.submit('/account/password', { currentPassword: PASSWORD, newPassword: NEW, newPasswordConfirm: NEW }, { from: '/account/password' });
    expect(res.status).toBe(303);
    expect(String(res.headers['set-cookie'])).toMatch(/entraide_session=[a-z2-7]{32};/);
    const after = (await sessionsOf('Nina')).map((s) => s.id);
    expect(after).toHaveLength(1);
    expect(before).not.toContain(after[0]);
    expect((await other.get('/account')).status).toBe(303);
    expect((await c.get('/account')).status).toBe(200);
    await expect(t.client().login('Nina')).rejects.toThrow();
    await t.client().login('Nina', NEW);
    const audit = await t.db.selectFrom('audit_events').selectAll().where('action', '=', 'account.password_changed').execute();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0]!.details)).not.toContain(NEW);
  });

  it('refuses a wrong current password, a weak new one, or a mismatch, writing nothing', async () => {
    await createUser(t.db, { handle: 'Omar' });
    const c = await t.loggedIn('Omar');
    const hash = async () => (await t.db.selectFrom('users').select('password_hash').where('handle', '=', 'Omar').executeTakeFirstOrThrow()).password_hash;
    const h0 = await hash();
    const cases: [Record<string, string>, string, string][] = [
      [{ currentPassword: 'pas-le-bon-mot-de-passe', newPassword: 'un-nouveau-mot-de-passe-solide', newPasswordConfirm: 'un-nouveau-mot-de-passe-solide' }, 'currentPassword', 'pas votre mot de passe actuel'],
      [{ currentPassword: PASSWORD, newPassword: 'azertyuiop12', newPasswordConfirm: 'azertyuiop12' }, 'newPassword', 'trop facile à deviner'],
      [{ currentPassword: PASSWORD, newPassword: 'un-nouveau-mot-de-passe-solide', newPasswordConfirm: 'autre' }, 'newPasswordConfirm', 'ne sont pas identiques'],
      [{ currentPassword: PASSWORD, newPassword: PASSWORD, newPasswordConfirm: PASSWORD }, 'newPassword', 'doit être différent'],
    ];
    for (const [fields, field, message] of cases) {
      const res = await c.submit('/account/password', fields, { from: '/account/password' });
      expect(res.status).toBe(422);
      expect(res.text).toContain(`id="field-${field}-error"`);
      expect(res.text).toContain(message);
      expect(res.text).not.toContain(PASSWORD);
    }
    expect(await hash()).toBe(h0);
    expect((await c.get('/account')).status).toBe(200);
  });
});

describe('housekeeping', () => {
  it('purges sessions that expired unused', async () => {
    clock = new Date('2026-11-22T10:00:00Z');
    await createUser(t.db, { handle: 'Ghost' });
    await t.client().login('Ghost');
    expect(await sessionsOf('Ghost')).toHaveLength(1);
    clock = new Date(clock.getTime() + 31 * DAY);
    const { sessions } = await t.app.services.maintenance.purgeExpired();
    expect(sessions).toBeGreaterThanOrEqual(1);
    expect(await sessionsOf('Ghost')).toHaveLength(0);
    clock = new Date('2026-11-22T10:00:00Z');
  });
});
