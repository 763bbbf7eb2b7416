// Moderation's forms come back as typed: the sanction form (case page and member page) keeps its
// kind, duration and template and shows each field's error, and a failure from a case page shows
// that case page again; lifting a sanction shows the real error next to the reason; each reason
// template's edit form keeps its own state apart from the "new template" form. The case page
// offers the sanction form only to whoever may sanction its subject (the policy), and the queue's
// origin filter offers every origin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import type { User } from '../../server/db/schema.ts';

let t: TestApp;
let mod: User;
let otherMod: User;
let admin: User;
let member: User;
let modC: Client;
let adminC: Client;
let n = 0;

const TOO_LONG = 'x'.repeat(2001);
const submit = async (c: Client, path: string, fields: Record<string, string> = {}) => c.submit(path, fields, { csrf: await c.token() });

/** A reports case about a member's post (inserted directly: the route under test is the case page). */
async function caseAbout(subject: User, origin: 'reports' | 'appeal' = 'reports', targetId?: number): Promise<number> {
  let target = targetId;
  if (target === undefined) {
    const post = await t.db
      .insertInto('posts')
      .values({ author_id: subject.id, wall_owner_id: subject.id, body: `dossier ${++n}`, body_html: '<p>dossier</p>', visibility: 'public' })
      .returning('id')
      .executeTakeFirstOrThrow();
    target = post.id;
  }
  const c = await t.db
    .insertInto('moderation_cases')
    .values({ target_kind: origin === 'appeal' ? 'sanction' : 'post', target_id: target, origin, subject_user_id: subject.id, snapshot: JSON.stringify({ body: `dossier ${n}` }) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return c.id;
}
async function sanctionOf(user: User, appeal?: string) {
  return t.db
    .insertInto('moderation_sanctions')
    .values({ user_id: user.id, kind: 'suspension', reason: 'raison', created_by: admin.id, case_id: null, ends_at: null, ...(appeal ? { appeal_text: appeal, appealed_at: new Date() } : {}) })
    .returning('id')
    .executeTakeFirstOrThrow();
}
const sanctionForm = (handle: string) => `action="/moderation/members/${handle}/sanctions"`;
/** The <select> named `name` in a page, as HTML. */
const select = (html: string, name: string) => new RegExp(`<select[^>]*name="${name}"[^>]*>[\\s\\S]*?</select>`).exec(html)?.[0] ?? '';

beforeAll(async () => {
  t = await createTestApp();
  mod = await createUser(t.db, { handle: 'mf_mod', role: 'moderator' });
  otherMod = await createUser(t.db, { handle: 'mf_mod2', role: 'moderator' });
  admin = await createUser(t.db, { handle: 'mf_admin', role: 'admin' });
  member = await createUser(t.db, { handle: 'mf_member' });
  modC = await t.loggedIn(mod.handle);
  adminC = await t.loggedIn(admin.handle);
});
afterAll(async () => t.close());

describe('who sees the sanction form on a case page', () => {
  it('follows the policy: a moderator sanctions a member but not another moderator, an admin or themself; an admin sanctions a moderator', async () => {
    expect((await modC.get(`/moderation/cases/${await caseAbout(member)}`)).text).toContain(sanctionForm('mf_member'));
    const aboutMod = await caseAbout(otherMod);
    const seenByMod = await modC.get(`/moderation/cases/${aboutMod}`);
    expect(seenByMod.status).toBe(200);
    expect(seenByMod.text).toContain('@mf_mod2');
    expect(seenByMod.text).not.toContain(sanctionForm('mf_mod2'));
    expect((await modC.get(`/moderation/cases/${await caseAbout(admin)}`)).text).not.toContain(sanctionForm('mf_admin'));
    expect((await modC.get(`/moderation/cases/${await caseAbout(mod)}`)).text).not.toContain(sanctionForm('mf_mod'));
    expect((await adminC.get(`/moderation/cases/${aboutMod}`)).text).toContain(sanctionForm('mf_mod2'));
  });

  it('offers lifting an appealed sanction only to whoever may lift it', async () => {
    const s = await sanctionOf(otherMod, 'je conteste-mf');
    const appeal = await caseAbout(otherMod, 'appeal', s.id);
    const byMod = (await modC.get(`/moderation/cases/${appeal}`)).text;
    expect(byMod).toContain('je conteste-mf');
    expect(byMod).not.toContain(`/moderation/sanctions/${s.id}/lift`);
    expect((await adminC.get(`/moderation/cases/${appeal}`)).text).toContain(`/moderation/sanctions/${s.id}/lift`);
  });
});

describe('the sanction form as typed', () => {
  it('keeps kind, duration and template selected on the member page and shows the reason’s error', async () => {
    const tpl = await t.db.insertInto('moderation_templates').values({ title: 'Modèle mf', body: 'Corps du modèle mf.' }).returning('id').executeTakeFirstOrThrow();
    const res = await submit(modC, '/moderation/members/mf_member/sanctions', { kind: 'suspension', duration: '30d', templateId: String(tpl.id), reason: TOO_LONG });
    expect(res.status).toBe(422);
    expect(select(res.text, 'kind')).toContain('<option value="suspension" selected>');
    expect(select(res.text, 'duration')).toContain('<option value="30d" selected>');
    expect(select(res.text, 'duration')).not.toContain('<option value="7d" selected>');
    expect(select(res.text, 'templateId')).toContain(`<option value="${tpl.id}" selected>Modèle mf</option>`);
    expect(res.text).toContain('2000 caractères au maximum.');
    expect(await t.db.selectFrom('moderation_sanctions').select('id').where('user_id', '=', member.id).execute()).toHaveLength(0);
  });

  it('shows the kind’s and the duration’s errors next to their fields', async () => {
    const res = await submit(modC, '/moderation/members/mf_member/sanctions', { kind: 'bannir', duration: '99y', reason: 'raison gardée mf' });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/<p class="field__error" id="sanction-kind-error">Choisissez une des options proposées\.<\/p>/);
    expect(res.text).toMatch(/<p class="field__error" id="sanction-duration-error">Choisissez une des options proposées\.<\/p>/);
    expect(select(res.text, 'kind')).toContain('aria-invalid="true"');
    expect(res.text).toContain('raison gardée mf');
    // Nothing typed yet: 7 days.
    expect(select((await modC.get('/moderation/members/mf_member')).text, 'duration')).toContain('<option value="7d" selected>');
  });

  it('sent from a case page, a refused sanction shows that case page again with the form’s error and what was typed', async () => {
    const caseId = await caseAbout(member);
    const res = await submit(modC, '/moderation/members/mf_member/sanctions', { kind: 'limit', duration: '90d', reason: TOO_LONG.replace(/^x{5}/, 'gardé'), caseId: String(caseId) });
    expect(res.status).toBe(422);
    expect(res.text).toContain(`Dossier n° ${caseId}`);
    expect(res.text).toContain(`action="/moderation/cases/${caseId}/state"`);
    expect(res.text).toContain(`<input type="hidden" name="caseId" value="${caseId}">`);
    expect(res.text).toContain('Certains champs sont à corriger');
    expect(res.text).toContain('2000 caractères au maximum.');
    expect(res.text).toContain('gardéxxx');
    expect(select(res.text, 'kind')).toContain('<option value="limit" selected>');
    expect(select(res.text, 'duration')).toContain('<option value="90d" selected>');
  });

  it('with a caseId about someone else, shows the member page instead', async () => {
    const other = await caseAbout(otherMod);
    const res = await submit(modC, '/moderation/members/mf_member/sanctions', { kind: 'warning', reason: '', caseId: String(other) });
    expect(res.status).toBe(422);
    expect(res.text).not.toContain(`Dossier n° ${other}`);
    expect(res.text).toContain(sanctionForm('mf_member'));
  });
});

describe('lifting a sanction', () => {
  it('shows a too long reason next to the field on the case page, keeping it; the sanction stays', async () => {
    const s = await sanctionOf(member, 'contestation mf');
    const appeal = await caseAbout(member, 'appeal', s.id);
    const res = await submit(modC, `/moderation/sanctions/${s.id}/lift`, { reason: `levée-${TOO_LONG}`, next: `/moderation/cases/${appeal}` });
    expect(res.status).toBe(422);
    expect(res.text).toContain(`Dossier n° ${appeal}`);
    expect(res.text).toMatch(/<p class="field__error" id="lift-reason-error">2000 caractères au maximum\.<\/p>/);
    expect(res.text).toContain('levée-xxx');
    expect(res.text).not.toContain('déjà levée');
    expect((await t.db.selectFrom('moderation_sanctions').select('lifted_at').where('id', '=', s.id).executeTakeFirstOrThrow()).lifted_at).toBeNull();
  });

  it('shows it on the member page next to that sanction’s field; an already lifted sanction still says so', async () => {
    const s = await sanctionOf(member);
    const res = await submit(modC, `/moderation/sanctions/${s.id}/lift`, { reason: `motif-${TOO_LONG}`, next: '/moderation/members/mf_member' });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(new RegExp(`<p class="field__error" id="lift-${s.id}-error">2000 caractères au maximum\\.</p>`));
    expect(res.text).toContain('value="motif-xxx');
    expect((await submit(modC, `/moderation/sanctions/${s.id}/lift`, { reason: 'ok', next: '/moderation/members/mf_member' })).headers.location).toBe('/moderation/members/mf_member?notice=sanctionLifted');
    const again = await submit(modC, `/moderation/sanctions/${s.id}/lift`, { reason: 'encore', next: '/moderation/members/mf_member' });
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe('/moderation/members/mf_member?notice=sanctionAlreadyLifted');
  });
});

describe('reason templates', () => {
  it('an error while editing a template shows on that template’s form, not on the new template form', async () => {
    const tpl = await t.db.insertInto('moderation_templates').values({ title: 'À corriger mf', body: 'Ancien corps mf.' }).returning('id').executeTakeFirstOrThrow();
    const count = async () => Number((await t.db.selectFrom('moderation_templates').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    const res = await submit(adminC, `/admin/moderation/templates/${tpl.id}`, { title: '', body: 'Nouveau corps tapé mf.' });
    expect(res.status).toBe(422);
    const card = new RegExp(`<form method="post" action="/admin/moderation/templates/${tpl.id}" novalidate>[\\s\\S]*?</form>`).exec(res.text)?.[0] ?? '';
    expect(card).not.toBe('');
    expect(card).toContain('Ce champ est obligatoire.');
    expect(card).toContain('Nouveau corps tapé mf.');
    expect(card).toContain(`id="tpl-title-${tpl.id}" name="title" value=""`);
    const newForm = /<form method="post" action="\/admin\/moderation\/templates" novalidate>[\s\S]*?<\/form>/.exec(res.text)?.[0] ?? '';
    expect(newForm).not.toContain('Nouveau corps tapé mf.');
    expect(newForm).not.toContain('Ce champ est obligatoire.');
    expect(newForm).toContain('id="field-title" name="title" type="text" value=""');
    // The other templates keep their saved text.
    expect(res.text).toContain('Corps du modèle mf.');
    expect(await count()).toBe(before);
    expect((await t.db.selectFrom('moderation_templates').select('body').where('id', '=', tpl.id).executeTakeFirstOrThrow()).body).toBe('Ancien corps mf.');
  });

  it('an error in the new template form stays there', async () => {
    const res = await submit(adminC, '/admin/moderation/templates', { title: 'Titre neuf mf', body: '' });
    expect(res.status).toBe(422);
    const newForm = /<form method="post" action="\/admin\/moderation\/templates" novalidate>[\s\S]*?<\/form>/.exec(res.text)?.[0] ?? '';
    expect(newForm).toContain('value="Titre neuf mf"');
    expect(newForm).toContain('Ce champ est obligatoire.');
  });
});

describe('the queue’s origin filter', () => {
  it('offers every origin, watched words included, and keeps the chosen one', async () => {
    const page = (await modC.get('/moderation?origin=flag')).text;
    const origins = select(page, 'origin');
    for (const o of ['reports', 'held', 'appeal']) expect(origins).toContain(`<option value="${o}"`);
    expect(origins).toContain('<option value="flag" selected>Mot surveillé</option>');
  });
});
