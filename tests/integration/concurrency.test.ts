// PGlite has one connection: concurrent transactions must be serialised, never interleaved.
// 50 sign-ups at once, each a transaction (lock settings, count, insert user, session, audit).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { PASSWORD } from '../support/factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

describe('concurrent transactional requests', () => {
  it('50 simultaneous sign-ups all succeed, each fully written, with exactly one admin', async () => {
    const clients = Array.from({ length: 50 }, () => t.client());
    const tokens = await Promise.all(clients.map((c) => c.csrf('/signup')));
    const results = await Promise.all(
      clients.map((c, i) =>
        c.submit('/signup', { displayName: `Voisin ${i}`, handle: `voisin_${i}`, email: `voisin${i}@example.org`, password: PASSWORD, passwordConfirm: PASSWORD }, { csrf: tokens[i]! }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(303));

    const users = await t.db.selectFrom('users').select(['id', 'handle', 'role']).execute();
    expect(users).toHaveLength(50);
    expect(users.filter((u) => u.role === 'admin')).toHaveLength(1);
    expect(new Set(users.map((u) => u.handle))).toEqual(new Set(Array.from({ length: 50 }, (_, i) => `voisin_${i}`)));
    const sessions = await t.db.selectFrom('sessions').select(['user_id']).execute();
    expect(new Set(sessions.map((s) => s.user_id))).toEqual(new Set(users.map((u) => u.id)));
    const audits = await t.db.selectFrom('audit_events').select(['target_user_id']).where('action', '=', 'auth.signup').execute();
    expect(audits.map((a) => a.target_user_id).sort()).toEqual(users.map((u) => u.id).sort());

    // Every client is signed in as itself.
    const pages = await Promise.all(clients.map((c) => c.get('/account')));
    pages.forEach((p, i) => {
      expect(p.status).toBe(200);
      expect(p.text).toContain(`@voisin_${i}`);
    });
  });

  it('50 simultaneous logins, logouts and page views each see their own consistent state', async () => {
    const clients = Array.from({ length: 50 }, () => t.client());
    const logins = await Promise.all(clients.map((c, i) => c.login(`voisin_${i}`)));
    expect(logins.every((r) => r.status === 303)).toBe(true);
    const outs = await Promise.all(clients.map((c, i) => (i % 2 === 0 ? c.submit('/logout', {}, { from: '/account' }) : c.get('/account'))));
    outs.forEach((r, i) => expect(r.status).toBe(i % 2 === 0 ? 303 : 200));
    const after = await Promise.all(clients.map((c) => c.get('/account')));
    after.forEach((r, i) => expect(r.status).toBe(i % 2 === 0 ? 303 : 200));
  });
});
