import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { createUser, PASSWORD } from '../support/factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await createUser(t.db, { handle: 'admin_s', role: 'admin' });
});
afterAll(async () => t.close());

const count = async (table: 'users' | 'sessions' | 'audit_events') =>
  Number((await t.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

const signup = (handle: string) => ({ displayName: 'Test', handle, email: `${handle}@example.org`, password: PASSWORD, passwordConfirm: PASSWORD });

describe('CSRF and Origin', () => {
  it.each([
    ['no CSRF token', { csrf: null }],
    ['a forged CSRF token', { csrf: 'forged-token-value' }],
    ['another site as Origin', { origin: 'https://evil.example' }],
    ['no Origin nor Referer', { origin: null }],
  ])('refuses a sign-up with %s (403, nothing written)', async (_label, opts) => {
    const before = await Promise.all([count('users'), count('sessions'), count('audit_events')]);
    const res = await t.client().submit('/signup', signup(`csrf_${Math.random().toString(36).slice(2, 8)}`), { from: '/signup', ...(opts as object) });
    expect(res.status).toBe(403);
    expect(String(res.headers['set-cookie'] ?? '')).not.toMatch(/entraide_session=[a-z2-7]/);
    expect(await Promise.all([count('users'), count('sessions'), count('audit_events')])).toEqual(before);
  });

  it('refuses a token taken from another browser (tokens are tied to the browser’s secret)', async () => {
    const attacker = t.client();
    const token = await attacker.csrf('/signup');
    const victim = t.client();
    await victim.get('/'); // has its own CSRF secret cookie
    const before = await count('users');
    const res = await victim.submit('/signup', signup('crossbrowser'), { csrf: token });
    expect(res.status).toBe(403);
    expect(await count('users')).toBe(before);
  });

  it('refuses a cross-origin logout and password change', async () => {
    const c = await t.loggedIn('admin_s');
    const sessions = await count('sessions');
    expect((await c.submit('/logout', {}, { from: '/account', origin: 'http://evil.example' })).status).toBe(403);
    expect(
      (await c.submit('/account/password', { currentPassword: PASSWORD, newPassword: 'x-y-z-w-v-u-t-s-r', newPasswordConfirm: 'x-y-z-w-v-u-t-s-r' }, { from: '/account/password', origin: 'http://evil.example' })).status,
    ).toBe(403);
    expect(await count('sessions')).toBe(sessions);
    expect((await c.get('/account')).status).toBe(200);
  });

  it('accepts a same-origin Referer when the browser sends no Origin', async () => {
    const c = t.client();
    const token = await c.csrf('/login');
    const res = await c.agent.post('/login').type('form').set('referer', `${c.origin}/login`).send({ _csrf: token, login: 'admin_s', password: PASSWORD });
    expect(res.status).toBe(303);
  });

  it('shows a readable 403 page in the person’s language', async () => {
    const res = await t.client().submit('/login', { login: 'a', password: 'b' }, { from: '/login', csrf: null });
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.text).toContain('Le formulaire a expiré');
  });
});

describe('headers and cookies', () => {
  it('sends a strict Content-Security-Policy without inline scripts, and no upgrade-insecure-requests over HTTP', async () => {
    const res = await t.client().get('/');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('uses Secure __Host- cookies and upgrade-insecure-requests when served over HTTPS', async () => {
    const secure = await createTestApp({ env: { PUBLIC_URL: 'https://entraide.example.org' }, database: t.database });
    try {
      const c = secure.client();
      const page = await c.get('/login');
      expect(String(page.headers['content-security-policy'])).toContain('upgrade-insecure-requests');
      expect(String(page.headers['set-cookie'])).toMatch(/__Host-entraide_csrf=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax/);
      expect(page.headers['strict-transport-security']).toBeTruthy();
      // The browser would send the public origin.
      const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
      const cookie = String(page.headers['set-cookie']).split(';')[0]!;
      const res = await c.agent
        .post('/login')
        .type('form')
        .set('origin', 'https://entraide.example.org')
        .set('cookie', cookie)
        .send({ _csrf: token, login: 'admin_s', password: PASSWORD });
      expect(res.status).toBe(303);
      expect(String(res.headers['set-cookie'])).toMatch(/__Host-entraide_session=[a-z2-7]{32}; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Lax/);
      const wrongOrigin = await c.agent.post('/login').type('form').set('origin', c.origin).set('cookie', cookie).send({ _csrf: token, login: 'x', password: 'y' });
      expect(wrongOrigin.status).toBe(403);
    } finally {
      await secure.app.close();
    }
  });

  it('refuses bodies over the size limit with 413', async () => {
    const c = t.client();
    const token = await c.csrf('/login');
    const res = await c.agent.post('/login').type('form').set('origin', c.origin).send({ _csrf: token, login: 'x'.repeat(70 * 1024), password: 'y' });
    expect(res.status).toBe(413);
  });
});

describe('rate limits', () => {
  it('answers 429 with a readable page after too many logins from one address', async () => {
    const limited = await createTestApp({ env: { RATE_LIMIT_LOGIN_PER_MINUTE: '3' }, database: t.database });
    try {
      const c = limited.client();
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await c.submit('/login', { login: 'admin_s', password: 'wrong-wrong-wrong' }, { from: '/login' })).status);
      }
      expect(statuses).toEqual([422, 422, 422, 429]);
      const last = await c.submit('/login', { login: 'admin_s', password: PASSWORD }, { from: '/login' });
      expect(last.status).toBe(429);
      expect(last.headers['retry-after']).toBeTruthy();
      expect(last.text).toContain('Trop de tentatives');
    } finally {
      await limited.app.close();
    }
  });

  it('answers 429 after too many sign-ups and password changes from one address', async () => {
    const limited = await createTestApp({ env: { RATE_LIMIT_SIGNUP_PER_HOUR: '2', RATE_LIMIT_PASSWORD_PER_HOUR: '1' }, database: t.database });
    try {
      const codes = [];
      // Separate browsers, one address: the limit is per address.
      for (let i = 0; i < 3; i++) codes.push((await limited.client().submit('/signup', signup(`rl_${i}_${Date.now() % 100000}`), { from: '/signup' })).status);
      expect(codes.slice(0, 2).every((s) => s === 303 || s === 422)).toBe(true);
      expect(codes[2]).toBe(429);
      const d = limited.client();
      await d.login('admin_s');
      const p1 = await d.submit('/account/password', { currentPassword: 'wrong', newPassword: 'a', newPasswordConfirm: 'a' }, { from: '/account/password' });
      const p2 = await d.submit('/account/password', { currentPassword: 'wrong', newPassword: 'a', newPasswordConfirm: 'a' }, { from: '/account/password' });
      expect([p1.status, p2.status]).toEqual([422, 429]);
    } finally {
      await limited.app.close();
    }
  });

  it('delays an account after repeated failures, whether it exists or not, growing each time', async () => {
    let clock = new Date('2026-11-22T12:00:00Z');
    const app = await createTestApp({ env: { LOGIN_FAILURES_BEFORE_DELAY: '3' }, now: () => clock, database: t.database });
    try {
      await createUser(t.db, { handle: 'Target' });
      for (const login of ['Target', 'ghost_account']) {
        const c = app.client();
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) statuses.push((await c.submit('/login', { login, password: 'wrong-wrong-wrong' }, { from: '/login' })).status);
        expect(statuses).toEqual([422, 422, 422, 429]);
      }
      // Even the right password waits while the account is delayed.
      const blocked = await app.client().submit('/login', { login: 'Target', password: PASSWORD }, { from: '/login' });
      expect(blocked.status).toBe(429);
      expect(blocked.text).toContain('Trop de tentatives de connexion pour ce compte');
      // After the delay (30 s for the third failure) one more failure doubles it.
      clock = new Date(clock.getTime() + 31_000);
      expect((await app.client().submit('/login', { login: 'Target', password: 'wrong-again-wrong' }, { from: '/login' })).status).toBe(422);
      const row = await t.db.selectFrom('login_throttles').selectAll().where('key', '=', 'login:target').executeTakeFirstOrThrow();
      expect(row.failures).toBe(4);
      expect(row.locked_until!.getTime() - clock.getTime()).toBe(60_000);
      clock = new Date(clock.getTime() + 61_000);
      await app.client().login('Target');
      expect(await t.db.selectFrom('login_throttles').selectAll().where('key', '=', 'login:target').executeTakeFirst()).toBeUndefined();
    } finally {
      await app.app.close();
    }
  });
});
