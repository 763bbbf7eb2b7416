import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { createUser, PASSWORD } from '../support/factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await createUser(t.db, { handle: 'Admin_1', role: 'admin' });
  await createUser(t.db, { handle: 'Lucie', email: 'lucie@example.org' });
});
afterAll(async () => t.close());

describe('login and logout', () => {
  it('logs in by handle or email in any letter case', async () => {
    for (const login of ['Lucie', 'lucie', 'LUCIE@example.org']) {
      const c = t.client();
      const res = await c.submit('/login', { login, password: PASSWORD }, { from: '/login' });
      expect(res.status).toBe(303);
      const account = await c.get('/account');
      expect(account.status).toBe(200);
      expect(account.text).toContain('@Lucie');
    }
  });

  it('issues a new token at every login, even on the same browser', async () => {
    const token = (r: { headers: Record<string, unknown> }) => /entraide_session=([a-z2-7]+)/.exec(String(r.headers['set-cookie']))?.[1];
    const c = t.client();
    const first = token(await c.login('Lucie'));
    await c.submit('/logout', {}, { from: '/account' });
    const second = token(await c.login('Lucie'));
    const other = token(await t.client().login('Lucie'));
    expect(first).toMatch(/^[a-z2-7]{32}$/);
    expect(new Set([first, second, other]).size).toBe(3);
  });

  it('answers a wrong password and an unknown account with the same page', async () => {
    const wrong = await t.client().submit('/login', { login: 'Lucie', password: 'not-the-password-at-all' }, { from: '/login' });
    const unknown = await t.client().submit('/login', { login: 'nobody_here', password: 'not-the-password-at-all' }, { from: '/login' });
    expect(wrong.status).toBe(422);
    expect(unknown.status).toBe(422);
    const main = (html: string) => html.slice(html.indexOf('<main'), html.indexOf('</main>')).replace(/name="_csrf" value="[^"]+"/g, '');
    expect(main(wrong.text)).toBe(main(unknown.text).replace('value="nobody_here"', 'value="Lucie"'));
    expect(wrong.text).toContain('Identifiant ou mot de passe incorrect.');
    expect(wrong.text).not.toContain('not-the-password-at-all');
  });

  it('takes a similar time whether the account exists or not', async () => {
    const time = async (login: string) => {
      const c = t.client();
      const token = await c.csrf('/login');
      const start = performance.now();
      await c.submit('/login', { login, password: 'not-the-password-at-all' }, { csrf: token });
      return performance.now() - start;
    };
    // Both paths verify an argon2 hash (~tens of ms); an unknown account must not answer at once.
    const unknown = Math.min(await time('ghost_1'), await time('ghost_2'));
    const known = Math.min(await time('Admin_1'), await time('Admin_1'));
    expect(unknown).toBeGreaterThan(known / 3);
  });

  it('asks for both fields when they are empty', async () => {
    const res = await t.client().submit('/login', { login: '', password: '' }, { from: '/login' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('id="field-login-error"');
    expect(res.text).toContain('id="field-password-error"');
  });

  it('returns to a same-origin next page after login, and never to another site', async () => {
    const c = t.client();
    const page = await c.get('/account');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/login?next=%2Faccount');
    const ok = await c.submit('/login', { login: 'Lucie', password: PASSWORD, next: '/account/sessions' }, { from: '/login' });
    expect(ok.headers.location).toBe('/account/sessions');
    const evil = await t.client().submit('/login', { login: 'Lucie', password: PASSWORD, next: '//evil.example/x' }, { from: '/login' });
    expect(evil.headers.location).toBe('/?notice=loggedIn');
  });

  it('logs out: the session row is deleted and the cookie cleared', async () => {
    const c = await t.loggedIn('Lucie');
    const before = await t.db.selectFrom('sessions').select('id').execute();
    const res = await c.submit('/logout', {}, { from: '/account' });
    expect(res.status).toBe(303);
    expect(String(res.headers['set-cookie'])).toMatch(/entraide_session=;/);
    const after = await t.db.selectFrom('sessions').select('id').execute();
    expect(after.length).toBe(before.length - 1);
    expect((await c.get('/account')).status).toBe(303);
  });

  it('records logins, failures and logouts in the audit log without secrets', async () => {
    const rows = await t.db.selectFrom('audit_events').selectAll().execute();
    const actions = new Set(rows.map((r) => r.action));
    expect(actions).toContain('auth.login');
    expect(actions).toContain('auth.login_failed');
    expect(actions).toContain('auth.logout');
    for (const r of rows) {
      expect(r.request_id).toBeTruthy();
      expect(r.ip).toBeTruthy();
      expect(JSON.stringify(r.details)).not.toContain(PASSWORD);
      expect(JSON.stringify(r.details)).not.toContain('not-the-password-at-all');
    }
  });
});
