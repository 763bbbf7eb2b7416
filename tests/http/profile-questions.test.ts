// The admin's profile questions (Ning's "profile questions"): managing them, who may, and how they
// appear and are enforced on the sign-up form and the profile edit form, in the reader's language.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Handlebars from 'handlebars';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser, PASSWORD } from '../support/factories.ts';
import { translator } from '../../server/i18n/index.ts';
import type { ProfileQuestion, User } from '../../server/db/schema.ts';

let t: TestApp;
let admin: User;
let member: User;
let moderator: User;
const c = {} as Record<'admin' | 'member' | 'moderator' | 'pending' | 'anonymous', Client>;

beforeAll(async () => {
  t = await createTestApp();
  admin = await createUser(t.db, { role: 'admin' });
  member = await createUser(t.db, { handle: 'membre_q', displayName: 'Membre Q' });
  moderator = await createUser(t.db, { role: 'moderator' });
  const pending = await createUser(t.db, { status: 'pending' });
  for (const [role, u] of [['admin', admin], ['member', member], ['moderator', moderator], ['pending', pending]] as const) {
    c[role] = await t.loggedIn(u.handle);
  }
  c.anonymous = t.client();
});
afterAll(async () => t.close());

const fr = translator('fr');
const esc = (s: string) => Handlebars.escapeExpression(s);
const msg = (key: string, params?: Record<string, unknown>) => esc(fr(key, params));

const questions = () => t.db.selectFrom('profile_questions').selectAll().orderBy('id').execute();
const answersOf = (userId: number) => t.db.selectFrom('profile_answers').select(['question_id', 'answer']).where('user_id', '=', userId).orderBy('question_id').execute();
async function countUsers() {
  const r = await t.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

function createQuestion(client: Client, fields: Record<string, string>) {
  return client.submit('/admin/profile-questions', fields, { from: '/' });
}

let quartier: ProfileQuestion;
let dispo: ProfileQuestion;

describe('managing profile questions', () => {
  it('starts empty, with a link from the account page', async () => {
    const list = await c.admin.get('/admin/profile-questions');
    expect(list.status).toBe(200);
    expect(list.text).toContain(msg('profile.questions.empty'));
    expect((await c.admin.get('/account')).text).toContain('href="/admin/profile-questions"');
    expect((await c.member.get('/account')).text).not.toContain('href="/admin/profile-questions"');
  });

  it('adds a short-text question and a choice question', async () => {
    const form = await c.admin.get('/admin/profile-questions/new');
    expect(form.status).toBe(200);
    expect(form.text).toMatch(/<input id="field-labelFr" name="labelFr" type="text" value="" maxlength="200" required/);
    expect(form.text).toMatch(/<textarea id="field-choices" name="choices" rows="5" maxlength="\d+"/);

    let res = await createQuestion(c.admin, { labelFr: 'Votre quartier ?', labelEn: 'Your neighbourhood?', kind: 'text', choices: '', required: '1', position: '2' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/profile-questions?notice=questionCreated');
    res = await createQuestion(c.admin, {
      labelFr: 'Disponibilités',
      labelEn: 'Availability',
      kind: 'choice',
      choices: 'En semaine\r\nLe week-end\n\n  Le soir  \nle soir',
      position: '1',
    });
    expect(res.status).toBe(303);
    [quartier, dispo] = (await questions()) as [ProfileQuestion, ProfileQuestion];
    expect(quartier).toMatchObject({ label_fr: 'Votre quartier ?', label_en: 'Your neighbourhood?', kind: 'text', choices: [], required: true, position: 2, archived_at: null });
    expect(dispo).toMatchObject({ kind: 'choice', choices: ['En semaine', 'Le week-end', 'Le soir'], required: false, position: 1 });
    // Admin changes are in the security log.
    const logged = await t.db.selectFrom('audit_events').selectAll().where('action', '=', 'admin.profile_question_created').execute();
    expect(logged.map((e) => e.actor_id)).toEqual([admin.id, admin.id]);

    const list = await c.admin.get(res.headers.location!);
    expect(list.text).toContain(msg('profile.notices.questionCreated'));
    // In the admin's order: position first.
    expect(list.text.indexOf('Disponibilités')).toBeLessThan(list.text.indexOf('Votre quartier ?'));
    expect(list.text).toContain('Your neighbourhood?');
  });

  it.each([
    ['labelFr', { labelFr: '' }, msg('validation.required')],
    ['labelEn', { labelEn: 'x'.repeat(201) }, msg('validation.tooLong', { max: 200 })],
    ['kind', { kind: 'date' }, msg('validation.choice')],
    ['choices', { kind: 'choice', choices: 'Un seul choix' }, msg('profile.validation.choicesNeeded')],
    ['choices', { kind: 'choice', choices: Array.from({ length: 21 }, (_, i) => `choix ${i}`).join('\n') }, msg('profile.validation.tooManyChoices', { max: 20 })],
    ['choices', { kind: 'choice', choices: `court\n${'x'.repeat(101)}` }, msg('profile.validation.choiceTooLong', { max: 100 })],
    ['position', { position: '-1' }, msg('profile.validation.position', { max: 9999 })],
    ['position', { position: 'premier' }, msg('profile.validation.position', { max: 9999 })],
  ])('refuses a bad %s, keeping what was typed and writing nothing', async (field, over, message) => {
    const before = await questions();
    const typed = { labelFr: 'Une question <b>?</b>', labelEn: 'A question?', kind: 'text', choices: 'a\nb', position: '5', required: '1', ...over };
    const res = await createQuestion(c.admin, typed);
    expect(res.status).toBe(422);
    expect(res.text).toContain(`<p class="field__error" id="field-${field}-error">${message}</p>`);
    if (field !== 'labelFr') expect(res.text).toContain(`value="${esc(typed.labelFr)}"`);
    expect(res.text).toContain(`>${esc(typed.choices)}</textarea>`);
    expect(res.text).toContain('id="field-required" name="required" value="1" checked');
    expect(await questions()).toEqual(before);
  });

  it('edits a question', async () => {
    const form = await c.admin.get(`/admin/profile-questions/${dispo.id}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('value="Disponibilités"');
    expect(form.text).toContain('>En semaine\nLe week-end\nLe soir</textarea>');
    const res = await c.admin.submit(`/admin/profile-questions/${dispo.id}`, {
      labelFr: 'Quand êtes-vous disponible ?',
      labelEn: 'When are you available?',
      kind: 'choice',
      choices: 'En semaine\nLe week-end',
      required: '1',
      position: '1',
    }, { from: '/' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/profile-questions?notice=questionSaved');
    const [, after] = await questions();
    expect(after).toMatchObject({ label_fr: 'Quand êtes-vous disponible ?', choices: ['En semaine', 'Le week-end'], required: true });
    dispo = after!;
    const bad = await c.admin.submit(`/admin/profile-questions/${dispo.id}`, { labelFr: '', labelEn: 'x', kind: 'text', position: '1' }, { from: '/' });
    expect(bad.status).toBe(422);
    expect((await questions())[1]).toEqual(dispo);
    expect((await c.admin.get('/admin/profile-questions/999999')).status).toBe(404);
    expect((await c.admin.submit('/admin/profile-questions/999999', { labelFr: 'a', labelEn: 'b', kind: 'text' }, { from: '/' })).status).toBe(404);
  });

  it('refuses members, moderators (404), pending accounts (403) and visitors', async () => {
    const before = await questions();
    const pages = ['/admin/profile-questions', '/admin/profile-questions/new', `/admin/profile-questions/${dispo.id}`];
    const actions: [string, Record<string, string>][] = [
      ['/admin/profile-questions', { labelFr: 'Pirate', labelEn: 'Pirate', kind: 'text' }],
      [`/admin/profile-questions/${dispo.id}`, { labelFr: 'Pirate', labelEn: 'Pirate', kind: 'text' }],
      [`/admin/profile-questions/${dispo.id}/archive`, {}],
      [`/admin/profile-questions/${dispo.id}/restore`, {}],
    ];
    for (const role of ['member', 'moderator'] as const) {
      for (const p of pages) expect((await c[role].get(p)).status, `${role} ${p}`).toBe(404);
      for (const [p, fields] of actions) expect((await c[role].submit(p, fields, { from: '/' })).status, `${role} ${p}`).toBe(404);
    }
    for (const p of pages) expect((await c.pending.get(p)).status).toBe(403);
    for (const [p, fields] of actions) expect((await c.pending.submit(p, fields, { from: '/' })).status).toBe(403);
    for (const p of pages) expect((await c.anonymous.get(p)).status).toBe(303);
    for (const [p, fields] of actions) expect((await c.anonymous.submit(p, fields, { from: '/' })).status).toBe(401);
    expect(await questions()).toEqual(before);
  });
});

describe('profile questions on the sign-up form', () => {
  const signup = (over: Record<string, string> = {}) => {
    const handle = `nouveau_${Math.random().toString(36).slice(2, 8)}`;
    return { displayName: 'Nouvelle Personne', handle, email: `${handle}@example.org`, password: PASSWORD, passwordConfirm: PASSWORD, ...over };
  };

  it('shows the active questions in the reader’s language', async () => {
    const page = await c.anonymous.get('/signup');
    expect(page.text).toContain('Votre quartier ?');
    expect(page.text).toContain('Quand êtes-vous disponible ?');
    expect(page.text).toContain(`<select id="field-q_${dispo.id}" name="q_${dispo.id}" required>`);
    expect(page.text).toContain('<option value="Le week-end">Le week-end</option>');
    expect(page.text).toMatch(new RegExp(`<input id="field-q_${quartier.id}" name="q_${quartier.id}" type="text" value="" maxlength="300" required`));
    const english = await c.anonymous.get('/signup').set('accept-language', 'en');
    expect(english.text).toContain('Your neighbourhood?');
    expect(english.text).toContain('When are you available?');
    expect(english.text).not.toContain('Votre quartier ?');
  });

  it('requires the required answers and only offered choices, writing nothing until all is right', async () => {
    const before = await countUsers();
    const fields = signup({ [`q_${quartier.id}`]: '', [`q_${dispo.id}`]: 'Jamais' });
    const res = await c.anonymous.submit('/signup', fields, { from: '/signup' });
    expect(res.status).toBe(422);
    expect(res.text).toContain(`<p class="field__error" id="field-q_${quartier.id}-error">${msg('validation.required')}</p>`);
    expect(res.text).toContain(`<p class="field__error" id="field-q_${dispo.id}-error">${msg('validation.choice')}</p>`);
    expect(res.text).toContain(`value="${fields.handle}"`);
    expect(await countUsers()).toBe(before);

    const tooLong = await c.anonymous.submit('/signup', signup({ [`q_${quartier.id}`]: 'x'.repeat(301), [`q_${dispo.id}`]: 'En semaine' }), { from: '/signup' });
    expect(tooLong.status).toBe(422);
    expect(tooLong.text).toContain(`id="field-q_${quartier.id}-error">${msg('validation.tooLong', { max: 300 })}`);
    expect(await countUsers()).toBe(before);
  });

  it('saves the answers with the account, in the same transaction', async () => {
    const fields = signup({ [`q_${quartier.id}`]: '  Guillotière  ', [`q_${dispo.id}`]: 'Le week-end' });
    const res = await t.client().submit('/signup', fields, { from: '/signup' });
    expect(res.status).toBe(303);
    const user = await t.db.selectFrom('users').selectAll().where('handle', '=', fields.handle).executeTakeFirstOrThrow();
    expect(await answersOf(user.id)).toEqual([
      { question_id: quartier.id, answer: 'Guillotière' },
      { question_id: dispo.id, answer: 'Le week-end' },
    ]);
    const profile = await c.anonymous.get(`/@${fields.handle}`);
    expect(profile.text).toContain('<dt>Votre quartier ?</dt>');
    expect(profile.text).toContain('<dd class="profile__answer">Guillotière</dd>');
    const english = await c.anonymous.get(`/@${fields.handle}`).set('accept-language', 'en');
    expect(english.text).toContain('<dt>When are you available?</dt>');
  });

  it('ignores fields for questions that do not exist, and refuses repeated ones (400)', async () => {
    const fields = signup({ [`q_${quartier.id}`]: 'Vaise', [`q_${dispo.id}`]: 'En semaine', q_987654: 'intrus' });
    const res = await t.client().submit('/signup', fields, { from: '/signup' });
    expect(res.status).toBe(303);
    const cl = t.client();
    const token = await cl.csrf('/signup');
    const repeated = await cl.agent
      .post('/signup')
      .set('origin', cl.origin)
      .type('form')
      .send(`_csrf=${encodeURIComponent(token)}&q_${quartier.id}=a&q_${quartier.id}=b`);
    expect(repeated.status).toBe(400);
  });
});

describe('profile questions on the profile edit form', () => {
  const base = { displayName: 'Membre Q', wallPolicy: 'everyone' };

  it('shows them with the member’s answers, and enforces them', async () => {
    const form = await c.member.get('/settings/profile');
    expect(form.text).toContain('Votre quartier ?');
    expect(form.text).toContain(`name="q_${dispo.id}"`);
    const bad = await c.member.submit('/settings/profile', { ...base, pronouns: 'iel', [`q_${quartier.id}`]: '', [`q_${dispo.id}`]: 'Le soir' }, { from: '/settings/profile' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain(`id="field-q_${quartier.id}-error">${msg('validation.required')}`);
    expect(bad.text).toContain(`id="field-q_${dispo.id}-error">${msg('validation.choice')}`);
    expect(bad.text).toContain('value="iel"');
    expect(await answersOf(member.id)).toEqual([]);

    const ok = await c.member.submit('/settings/profile', { ...base, [`q_${quartier.id}`]: 'Part-Dieu', [`q_${dispo.id}`]: 'En semaine' }, { from: '/settings/profile' });
    expect(ok.status).toBe(303);
    expect(await answersOf(member.id)).toEqual([
      { question_id: quartier.id, answer: 'Part-Dieu' },
      { question_id: dispo.id, answer: 'En semaine' },
    ]);
    const again = await c.member.get('/settings/profile');
    expect(again.text).toContain(`<input id="field-q_${quartier.id}" name="q_${quartier.id}" type="text" value="Part-Dieu"`);
    expect(again.text).toContain('<option value="En semaine" selected>En semaine</option>');
  });

  it('archived questions leave the forms and the profile, keep their answers, and come back when restored', async () => {
    const res = await c.admin.submit(`/admin/profile-questions/${quartier.id}/archive`, {}, { from: '/' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/profile-questions?notice=questionArchived');
    const list = await c.admin.get('/admin/profile-questions');
    expect(list.text).toContain(msg('profile.questions.archived'));
    expect(list.text).toContain(`action="/admin/profile-questions/${quartier.id}/restore"`);

    expect((await c.anonymous.get('/signup')).text).not.toContain('Votre quartier ?');
    expect((await c.member.get('/settings/profile')).text).not.toContain('Votre quartier ?');
    expect((await c.anonymous.get('/@membre_q')).text).not.toContain('Part-Dieu');
    // No longer required: a sign-up without it goes through.
    const handle = `sans_quartier_${Math.random().toString(36).slice(2, 6)}`;
    const signup = await t.client().submit('/signup', { displayName: 'Sans Quartier', handle, email: `${handle}@example.org`, password: PASSWORD, passwordConfirm: PASSWORD, [`q_${dispo.id}`]: 'En semaine' }, { from: '/signup' });
    expect(signup.status).toBe(303);
    // Saving the profile does not touch the archived question's answer.
    expect((await c.member.submit('/settings/profile', { ...base, [`q_${dispo.id}`]: 'Le week-end' }, { from: '/settings/profile' })).status).toBe(303);
    expect(await answersOf(member.id)).toEqual([
      { question_id: quartier.id, answer: 'Part-Dieu' },
      { question_id: dispo.id, answer: 'Le week-end' },
    ]);

    expect((await c.admin.submit(`/admin/profile-questions/${quartier.id}/restore`, {}, { from: '/' })).status).toBe(303);
    expect((await c.anonymous.get('/@membre_q')).text).toContain('Part-Dieu');
  });

  it('escapes labels, choices and answers everywhere', async () => {
    const payload = '"><img src=x onerror=alert(1)>';
    const res = await createQuestion(c.admin, { labelFr: `<script>alert(1)</script>`, labelEn: payload, kind: 'choice', choices: `${payload}\n<script>alert(2)</script>` });
    expect(res.status).toBe(303);
    const q = (await questions()).at(-1)!;
    const answered = await c.member.submit(
      '/settings/profile',
      { ...base, [`q_${quartier.id}`]: '<script>alert(3)</script>', [`q_${dispo.id}`]: 'En semaine', [`q_${q.id}`]: payload },
      { from: '/settings/profile' },
    );
    expect(answered.status).toBe(303);
    for (const [client, path] of [[c.admin, '/admin/profile-questions'], [c.admin, `/admin/profile-questions/${q.id}`], [c.anonymous, '/signup'], [c.member, '/settings/profile'], [c.anonymous, '/@membre_q']] as const) {
      for (const lang of ['fr', 'en']) {
        const page = await client.get(path).set('accept-language', lang);
        expect(page.status).toBe(200);
        for (const raw of ['<script>alert(1)</script>', '<script>alert(2)</script>', '<script>alert(3)</script>', payload]) expect(page.text, `${path} ${lang}`).not.toContain(raw);
      }
    }
    const profile = await c.anonymous.get('/@membre_q');
    expect(profile.text).toContain(`<dt>${esc('<script>alert(1)</script>')}</dt>`);
    expect(profile.text).toContain(`<dd class="profile__answer">${esc(payload)}</dd>`);
    expect(profile.text).toContain(`<dd class="profile__answer">${esc('<script>alert(3)</script>')}</dd>`);
  });
});
