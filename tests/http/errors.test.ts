import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await createUser(t.db, { handle: 'admin_e', role: 'admin' });
});
afterAll(async () => t.close());

describe('not found', () => {
  it('shows a 404 page in French by default', async () => {
    const res = await t.client().get('/nulle-part');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.text).toContain('<html lang="fr">');
    expect(res.text).toContain('Page introuvable');
  });

  it('shows the 404 page in English for an English browser', async () => {
    const res = await t.client().get('/nowhere').set('accept-language', 'en-US,en;q=0.8');
    expect(res.status).toBe(404);
    expect(res.text).toContain('<html lang="en">');
    expect(res.text).toContain('Page not found');
  });

  it('answers JSON to a client that does not ask for HTML', async () => {
    const res = await t.client().agent.get('/nowhere').set('accept', 'application/json');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { status: 404, message: expect.stringContaining('n’existe pas') } });
  });

  it('treats malformed ids and cursors as bad requests or empty pages, never 500', async () => {
    const c = await t.loggedIn('admin_e');
    expect((await c.get('/admin/audit?before=%%%')).status).toBe(200);
    expect((await c.get('/admin/audit?before=bm90LWEtY3Vyc29y')).status).toBe(200);
    expect((await c.submit('/invitations/abc/revoke', {}, { from: '/invitations' })).status).toBe(400);
    expect((await c.submit('/invitations/999999/revoke', {}, { from: '/invitations' })).status).toBe(404);
    expect((await c.get('/admin/audit?before=x&before=y')).status).toBe(400);
  });

  it('refuses unsupported body types with a clear 415', async () => {
    const c = t.client();
    const res = await c.agent.post('/login').set('origin', c.origin).set('content-type', 'application/xml').send('<login/>');
    expect(res.status).toBe(415);
  });
});

describe('server errors and health', () => {
  it('reports health 200, then 503 and a 500 page without detail in both languages when the database is gone', async () => {
    const broken = await createTestApp();
    try {
      const c = broken.client();
      const ok = await c.agent.get('/healthz');
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ status: 'ok', database: 'up' });
      await broken.database.close();
      const down = await c.agent.get('/healthz');
      expect(down.status).toBe(503);
      expect(down.body.status).toBe('unavailable');
      // A signed-in request needs the database: it fails, cleanly.
      const cookie = 'entraide_session=abcdefghijklmnopqrstuvwxyz234567';
      const fr = await c.get('/account').set('cookie', cookie);
      expect(fr.status).toBe(500);
      expect(fr.text).toContain('<html lang="fr">');
      expect(fr.text).toContain('Erreur du serveur');
      expect(fr.text).not.toMatch(/destroyed|stack|at .*\.ts/i);
      const en = await c.get('/account').set('cookie', cookie).set('accept-language', 'en');
      expect(en.status).toBe(500);
      expect(en.text).toContain('Server error');
      const json = await c.agent.get('/account').set('cookie', cookie).set('accept', 'application/json');
      expect(json.status).toBe(500);
      expect(json.body.error.message).not.toMatch(/destroyed/i);
    } finally {
      await broken.app.close();
    }
  });
});
