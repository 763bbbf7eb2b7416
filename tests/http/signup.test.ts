import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { createUser, PASSWORD } from '../support/factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  // An admin exists already, so sign-ups below are ordinary members.
  await createUser(t.db, { handle: 'Fondatrice', email: 'Fondatrice@Example.org', role: 'admin' });
});
afterAll(async () => t.close());

const valid = (over: Record<string, string> = {}) => ({
  displayName: 'Marie Curie',
  handle: `marie_${Math.random().toString(36).slice(2, 8)}`,
  email: `marie.${Math.random().toString(36).slice(2, 8)}@example.org`,
  password: PASSWORD,
  passwordConfirm: PASSWORD,
  ...over,
});

async function countUsers() {
  const r = await t.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

describe('sign-up', () => {
  it('creates a member, opens a session and greets them', async () => {
    const c = t.client();
    const fields = valid();
    const res = await c.submit('/signup', fields, { from: '/signup' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/?notice=welcome');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/entraide_session=[a-z2-7]{32};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const home = await c.get('/?notice=welcome');
    expect(home.text).toContain('Bienvenue');
    expect(home.text).toContain('Marie Curie');
    const user = await t.db.selectFrom('users').selectAll().where('handle', '=', fields.handle).executeTakeFirstOrThrow();
    expect(user.role).toBe('member');
    expect(user.status).toBe('active');
    expect(user.password_hash.startsWith('$argon2id$')).toBe(true);
  });

  it('stores only the SHA-256 of the session token', async () => {
    const c = t.client();
    const fields = valid();
    const res = await c.submit('/signup', fields, { from: '/signup' });
    const token = /entraide_session=([a-z2-7]+)/.exec(String(res.headers['set-cookie']))![1]!;
    const rows = await t.db.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.user_id').select('sessions.id').where('users.handle', '=', fields.handle).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]!.id).not.toContain(token);
    const { createHash } = await import('node:crypto');
    expect(rows[0]!.id).toBe(createHash('sha256').update(token).digest('hex'));
  });

  it.each([
    ['handle', { handle: '' }, 'Ce champ est obligatoire.'],
    ['handle', { handle: 'ab' }, 'Entre 3 et 30 caractères.'],
    ['handle', { handle: 'marie curie' }, 'Uniquement des lettres sans accent'],
    ['handle', { handle: 'admin' }, 'Cet identifiant est réservé'],
    ['displayName', { displayName: '' }, 'Ce champ est obligatoire.'],
    ['displayName', { displayName: 'x'.repeat(61) }, '60 caractères au maximum.'],
    ['email', { email: 'pas-une-adresse' }, 'ne semble pas valide'],
    ['password', { password: 'court', passwordConfirm: 'court' }, 'Au moins 12 caractères.'],
    ['password', { password: 'motdepasse123', passwordConfirm: 'motdepasse123' }, 'trop facile à deviner'],
    ['password', { password: 'é'.repeat(600), passwordConfirm: 'é'.repeat(600) }, 'trop long'],
    ['passwordConfirm', { passwordConfirm: 'autre-chose-encore-plus-long' }, 'ne sont pas identiques'],
  ])('refuses a bad %s with a message next to the field, keeping what was typed', async (field, over, message) => {
    const before = await countUsers();
    const fields = valid(over);
    const res = await t.client().submit('/signup', fields, { from: '/signup' });
    expect(res.status).toBe(422);
    expect(res.text).toContain(`id="field-${field}-error"`);
    expect(res.text).toContain(message);
    expect(res.text).toContain('aria-invalid="true"');
    // What was typed comes back, except passwords.
    if (field !== 'displayName') expect(res.text).toContain('value="Marie Curie"');
    expect(res.text).not.toContain(PASSWORD);
    expect(await countUsers()).toBe(before);
  });

  it('escapes what was typed when it is shown again', async () => {
    const res = await t.client().submit('/signup', valid({ displayName: '<script>alert(1)</script>', handle: '' }), { from: '/signup' });
    expect(res.status).toBe(422);
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it.each([
    ['handle', { handle: 'fondatrice' }, 'Cet identifiant est déjà pris.'],
    ['handle', { handle: 'FONDATRICE' }, 'Cet identifiant est déjà pris.'],
    ['email', { email: 'fondatrice@example.org' }, 'Un compte existe déjà avec cette adresse e-mail.'],
    ['email', { email: 'FONDATRICE@EXAMPLE.ORG' }, 'Un compte existe déjà avec cette adresse e-mail.'],
  ])('refuses a duplicate %s in any letter case', async (field, over, message) => {
    const before = await countUsers();
    const res = await t.client().submit('/signup', valid(over), { from: '/signup' });
    expect(res.status).toBe(422);
    expect(res.text).toContain(`id="field-${field}-error"`);
    expect(res.text).toContain(message);
    expect(await countUsers()).toBe(before);
  });

  it('answers 400 when a field is repeated instead of guessing which one to keep', async () => {
    const c = t.client();
    const token = await c.csrf('/signup');
    const before = await countUsers();
    const res = await c.agent
      .post('/signup')
      .set('origin', c.origin)
      .type('form')
      .send(`_csrf=${encodeURIComponent(token)}&handle=a_one&handle=a_two&displayName=X&email=a%40b.org&password=${PASSWORD}&passwordConfirm=${PASSWORD}`);
    expect(res.status).toBe(400);
    expect(await countUsers()).toBe(before);
  });

  it('is answered in English when the browser prefers English', async () => {
    const c = t.client();
    const page = await c.get('/signup').set('accept-language', 'en-GB,en;q=0.9');
    expect(page.text).toContain('<html lang="en">');
    expect(page.text).toContain('Create an account');
    const res = await c.submit('/signup', valid({ handle: 'x' }), { from: '/signup' }).then((r) => r);
    // The language is chosen per request: without the header the answer is French again.
    expect(res.text).toContain('Entre 3 et 30 caractères.');
  });
});
