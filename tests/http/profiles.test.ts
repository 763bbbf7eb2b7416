// Profile pages at /@handle, the profile edit form and the avatar upload, over real HTTP on a real
// database: who sees what, every field's limits (typed values kept, nothing written), counters
// read from their columns, escaping of everything a member types, and the avatar files on disk.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Handlebars from 'handlebars';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unescapeHtml } from '../support/html.ts';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import { translator } from '../../server/i18n/index.ts';
import { AVATAR_SIZES, mediaUrl } from '../../server/services/media-service.ts';
import type { User } from '../../server/db/schema.ts';

let t: TestApp;
let dataDir: string;
let owner: User;
let member: User;
let admin: User;
let pending: User;
let rejected: User;
const clients = {} as Record<'anonymous' | 'member' | 'owner' | 'admin', Client>;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'entraide-profiles-'));
  t = await createTestApp({ config: { dataDir } });
  owner = await createUser(t.db, { handle: 'Lucie_Martin', displayName: 'Lucie Martin' });
  member = await createUser(t.db, { displayName: 'Karim Benali' });
  admin = await createUser(t.db, { role: 'admin' });
  pending = await createUser(t.db, { status: 'pending' });
  rejected = await createUser(t.db, { status: 'rejected' });
  clients.anonymous = t.client();
  for (const [role, user] of [['member', member], ['owner', owner], ['admin', admin]] as const) {
    clients[role] = await t.loggedIn(user.handle);
  }
});
afterAll(async () => {
  await t.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

const long = (n: number) => 'é'.repeat(n);
const fr = translator('fr');
const en = translator('en');
const esc = (s: string) => Handlebars.escapeExpression(s);
const msg = (key: string, params?: Record<string, unknown>) => esc(fr(key, params));

/** Everything the edit form writes, to show a refused form changed nothing. */
async function snapshot(userId: number) {
  const [user, profile, tags, answers] = await Promise.all([
    t.db.selectFrom('users').select(['display_name']).where('id', '=', userId).executeTakeFirstOrThrow(),
    t.db.selectFrom('profiles').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow(),
    t.db.selectFrom('profile_tags').selectAll().where('user_id', '=', userId).orderBy('kind').orderBy('position').execute(),
    t.db.selectFrom('profile_answers').selectAll().where('user_id', '=', userId).orderBy('question_id').execute(),
  ]);
  return { user, profile, tags, answers };
}

const validProfile = (over: Record<string, string> = {}): Record<string, string> => ({
  displayName: 'Lucie Martin',
  bio: 'Retraitée, je donne des coups de main\npour les devoirs et le bricolage.',
  pronouns: 'elle',
  location: 'Croix-Rousse, Lyon',
  skills: 'Bricolage, aide aux devoirs, bricolage, , Traduction',
  interests: 'jardinage,  cuisine ',
  languages: 'français, arabe',
  linkUrl1: 'https://asso-exemple.fr/benevoles',
  linkLabel1: 'Mon association',
  linkUrl2: 'exemple.org/atelier',
  linkLabel2: '',
  linkUrl3: '',
  linkLabel3: '',
  linkUrl4: 'http://blog.exemple.net',
  linkLabel4: 'Blog',
  wallPolicy: 'following',
  ...over,
});

function saveProfile(c: Client, fields: Record<string, string>) {
  return c.submit('/settings/profile', fields, { from: '/settings/profile' });
}

/** The value attribute of an input, unescaped. */
function inputValue(html: string, name: string): string | undefined {
  const m = new RegExp(`<input id="field-${name}" name="${name}" type="[a-z]+" value="([^"]*)"`).exec(html);
  return m ? unescapeHtml(m[1]!) : undefined;
}
function textareaValue(html: string, name: string): string | undefined {
  const m = new RegExp(`<textarea id="field-${name}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html);
  return m ? unescapeHtml(m[1]!) : undefined;
}

describe('the profile page', () => {
  it.each(['anonymous', 'member', 'owner', 'admin'] as const)('shows an active member to %s, with what they may do there', async (role) => {
    const res = await clients[role].get('/@Lucie_Martin');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1 id="profile-name" class="profile__name">Lucie Martin</h1>');
    expect(res.text).toContain('@Lucie_Martin');
    expect(res.text).toMatch(/<img class="avatar avatar--medium" src="\/media\/initials\/LM\/\d+\.svg"[^>]* width="128" height="128" alt="Lucie Martin"/);
    expect(res.text).toContain(`<time datetime="${owner.created_at.toISOString()}">`);
    expect(res.text).toContain(new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'Europe/Paris' }).format(owner.created_at));
    // The wall comes below the profile.
    expect(res.text).toContain('id="wall-title"');
    expect(res.text.indexOf('profile-name')).toBeLessThan(res.text.indexOf('wall-title'));

    const followForm = res.text.includes('action="/@Lucie_Martin/follow"');
    const editLink = res.text.includes('href="/settings/profile"');
    const loginLink = res.text.includes(`href="${esc('/login?next=%2F%40Lucie_Martin')}"`);
    expect({ followForm, editLink, loginLink }).toEqual({
      followForm: role === 'member' || role === 'admin',
      editLink: role === 'owner',
      loginLink: role === 'anonymous',
    });
  });

  it('finds the handle in any letter case', async () => {
    for (const handle of ['lucie_martin', 'LUCIE_MARTIN', 'Lucie_Martin']) {
      const res = await clients.anonymous.get(`/@${handle}`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('@Lucie_Martin');
    }
  });

  it('answers 404 for unknown handles and for accounts that are not active, whoever asks', async () => {
    for (const c of [clients.anonymous, clients.member, clients.admin]) {
      for (const handle of ['personne_ici', pending.handle, rejected.handle, 'été', 'a'.repeat(40), '']) {
        const res = await c.get(`/@${encodeURIComponent(handle)}`);
        expect(res.status, handle).toBe(404);
        expect(res.text).toContain(msg('errors.notFound'));
        expect(res.text).not.toContain('profile-name');
      }
    }
  });

  it('shows the counters stored on the profile, never counted from the tables', async () => {
    await t.db.updateTable('profiles').set({ post_count: 1234, follower_count: 1, following_count: 0 }).where('user_id', '=', owner.id).execute();
    // Written behind the application's back: what it keeps of the profile must go too.
    t.app.services.cache.clear();
    try {
      const page = await clients.anonymous.get('/@Lucie_Martin');
      expect(page.text).toContain(`<strong>${(1234).toLocaleString('fr-FR')}</strong> publications`);
      expect(page.text).toContain('<strong>1</strong> abonné·e</li>');
      expect(page.text).toContain('<strong>0</strong> abonnement</li>');
      const english = await clients.anonymous.get('/@Lucie_Martin').set('accept-language', 'en');
      expect(english.text).toContain('<strong>1,234</strong> posts');
      expect(english.text).toContain('<strong>1</strong> follower</li>');
      expect(english.text).toContain(`${en('profile.memberSince')} <time`);
      expect(english.text).toContain(new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'Europe/Paris' }).format(owner.created_at));
    } finally {
      await t.db.updateTable('profiles').set({ post_count: 0, follower_count: 0, following_count: 0 }).where('user_id', '=', owner.id).execute();
      t.app.services.cache.clear();
    }
  });

  it('is reached from the account page', async () => {
    const res = await clients.owner.get('/account');
    expect(res.text).toContain('href="/@Lucie_Martin"');
    expect(res.text).toContain('href="/settings/profile"');
  });
});

describe('editing one’s profile', () => {
  it('is only for the signed-in member themself', async () => {
    const anonymous = await clients.anonymous.get('/settings/profile');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/login?next=%2Fsettings%2Fprofile');
    const post = await clients.anonymous.submit('/settings/profile', validProfile(), { from: '/' });
    expect(post.status).toBe(401);
    const p = await t.loggedIn(pending.handle);
    expect((await p.get('/settings/profile')).status).toBe(403);
  });

  it('shows every limit in the form', async () => {
    const res = await clients.owner.get('/settings/profile');
    expect(res.status).toBe(200);
    for (const [name, max] of [['displayName', 60], ['pronouns', 40], ['location', 80], ['linkUrl1', 500], ['linkLabel1', 60]] as const) {
      expect(res.text).toMatch(new RegExp(`<input id="field-${name}" name="${name}" type="(text|url)" value="[^"]*" (autocomplete="[a-z]+" )?maxlength="${max}"`));
    }
    expect(res.text).toMatch(/<textarea id="field-bio" name="bio" rows="5" maxlength="500"/);
    expect(res.text).toContain(msg('profile.hints.bio', { max: 500 }));
    expect(res.text).toContain(msg('profile.hints.skills', { max: 10, tag: 40 }));
    expect(res.text).toContain(msg('profile.hints.links', { max: 4, url: 500, label: 60 }));
    expect(res.text).toContain('type="url"');
    for (const p of ['everyone', 'following', 'nobody']) expect(res.text).toContain(`id="wall-${p}" name="wallPolicy" value="${p}"`);
  });

  it('saves every field at once and shows them on the profile', async () => {
    const res = await saveProfile(clients.owner, validProfile());
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/@Lucie_Martin?notice=profileSaved');

    const s = await snapshot(owner.id);
    expect(s.profile).toMatchObject({
      bio: 'Retraitée, je donne des coups de main\npour les devoirs et le bricolage.',
      pronouns: 'elle',
      location: 'Croix-Rousse, Lyon',
      wall_policy: 'following',
      links: [
        { url: 'https://asso-exemple.fr/benevoles', label: 'Mon association' },
        { url: 'https://exemple.org/atelier', label: '' },
        { url: 'http://blog.exemple.net/', label: 'Blog' },
      ],
    });
    expect(s.tags.map((r) => [r.kind, r.tag, r.position])).toEqual([
      ['interest', 'jardinage', 0],
      ['interest', 'cuisine', 1],
      ['language', 'français', 0],
      ['language', 'arabe', 1],
      ['skill', 'Bricolage', 0],
      ['skill', 'aide aux devoirs', 1],
      ['skill', 'Traduction', 2],
    ]);

    const page = await clients.member.get(res.headers.location!);
    expect(page.text).toContain(msg('profile.notices.profileSaved'));
    expect(page.text).toContain('<p class="profile__bio">Retraitée, je donne des coups de main\npour les devoirs et le bricolage.</p>');
    expect(page.text).toContain('<span class="profile__pronouns">elle</span>');
    expect(page.text).toContain('Croix-Rousse, Lyon');
    expect(page.text).toContain('<li class="tag">aide aux devoirs</li>');
    expect(page.text).toContain('<li class="tag">arabe</li>');
    expect(page.text).toContain('<li class="tag">cuisine</li>');
    expect(page.text).toContain('<a href="https://asso-exemple.fr/benevoles" rel="nofollow ugc noopener me">Mon association</a>');
    expect(page.text).toContain('<a href="https://exemple.org/atelier" rel="nofollow ugc noopener me">exemple.org/atelier</a>');
    expect(page.text).toContain('<a href="http://blog.exemple.net/" rel="nofollow ugc noopener me">Blog</a>');

    // The form starts again from what is stored.
    const form = await clients.owner.get('/settings/profile');
    expect(inputValue(form.text, 'skills')).toBe('Bricolage, aide aux devoirs, Traduction');
    expect(inputValue(form.text, 'linkUrl2')).toBe('https://exemple.org/atelier');
    expect(inputValue(form.text, 'linkUrl3')).toBe('http://blog.exemple.net/');
    expect(form.text).toMatch(/id="wall-following" name="wallPolicy" value="following" checked/);
  });

  it('changes the display name everywhere, and empties fields that are cleared', async () => {
    const res = await saveProfile(clients.owner, {
      ...Object.fromEntries(Object.keys(validProfile()).map((k) => [k, ''])),
      displayName: 'Lucie M.',
      wallPolicy: 'everyone',
    });
    expect(res.status).toBe(303);
    const s = await snapshot(owner.id);
    expect(s.user.display_name).toBe('Lucie M.');
    expect(s.profile).toMatchObject({ bio: '', pronouns: '', location: '', links: [], wall_policy: 'everyone' });
    expect(s.tags).toEqual([]);
    const account = await clients.owner.get('/account');
    expect(account.text).toContain('Lucie M.');
    const page = await clients.anonymous.get('/@lucie_martin');
    expect(page.text).not.toContain('class="profile__facts"');
    expect(page.text).not.toContain('class="profile__bio"');
    await saveProfile(clients.owner, validProfile());
  });

  it.each([
    ['displayName', { displayName: '' }, msg('validation.required')],
    ['displayName', { displayName: long(61) }, msg('validation.tooLong', { max: 60 })],
    ['bio', { bio: long(501) }, msg('validation.tooLong', { max: 500 })],
    ['pronouns', { pronouns: long(41) }, msg('validation.tooLong', { max: 40 })],
    ['location', { location: long(81) }, msg('validation.tooLong', { max: 80 })],
    ['location', { location: 'Lyon\u202e' }, msg('validation.controlChars')],
    ['skills', { skills: Array.from({ length: 11 }, (_, i) => `savoir ${i}`).join(', ') }, msg('profile.validation.tooManyTags', { max: 10, count: 11 })],
    ['interests', { interests: `cuisine, ${'x'.repeat(41)}` }, msg('profile.validation.tagTooLong', { max: 40, tag: 'x'.repeat(41) })],
    ['languages', { languages: Array.from({ length: 12 }, (_, i) => `langue ${i}`).join(',') }, msg('profile.validation.tooManyTags', { max: 10, count: 12 })],
    ['linkUrl1', { linkUrl1: 'javascript:alert(1)' }, msg('profile.validation.url')],
    ['linkUrl1', { linkUrl1: 'JavaScript:alert(document.cookie)//exemple.fr' }, msg('profile.validation.url')],
    ['linkUrl2', { linkUrl2: 'data:text/html,<script>alert(1)</script>' }, msg('profile.validation.url')],
    ['linkUrl3', { linkUrl3: 'ftp://exemple.fr/fichier' }, msg('profile.validation.url')],
    ['linkUrl4', { linkUrl4: 'pas une adresse' }, msg('profile.validation.url')],
    ['linkUrl1', { linkUrl1: 'https://moi:secret@banque.exemple.fr' }, msg('profile.validation.url')],
    ['linkUrl1', { linkUrl1: `https://exemple.fr/${'a'.repeat(482)}` }, msg('validation.tooLong', { max: 500 })],
    ['linkLabel1', { linkLabel1: long(61) }, msg('validation.tooLong', { max: 60 })],
    ['linkUrl3', { linkUrl3: '', linkLabel3: 'Un titre sans adresse' }, msg('profile.validation.urlMissing')],
    ['wallPolicy', { wallPolicy: 'tout-le-monde' }, msg('validation.choice')],
  ])('refuses a bad %s next to the field, keeping every typed value and writing nothing', async (field, over, message) => {
    const before = await snapshot(owner.id);
    const typed = validProfile({ bio: 'Une nouvelle présentation', pronouns: 'iel', ...over });
    const res = await saveProfile(clients.owner, typed);
    expect(res.status).toBe(422);
    expect(res.text).toContain(msg('errors.fixFields'));
    expect(res.text).toContain(`<p class="field__error" id="field-${field}-error">${message}</p>`);
    // Every typed value comes back as typed.
    for (const name of ['displayName', 'pronouns', 'location', 'skills', 'interests', 'languages', 'linkUrl1', 'linkLabel1', 'linkUrl2', 'linkUrl3', 'linkLabel3', 'linkUrl4']) {
      expect(inputValue(res.text, name), name).toBe(typed[name]);
    }
    expect(textareaValue(res.text, 'bio')).toBe(typed.bio);
    expect(res.text.includes('id="wall-following" name="wallPolicy" value="following" checked')).toBe(typed.wallPolicy === 'following');
    expect(await snapshot(owner.id)).toEqual(before);
  });

  it('reports every wrong field at once', async () => {
    const res = await saveProfile(clients.owner, validProfile({ displayName: '', bio: long(501), linkUrl1: 'javascript:alert(1)', skills: 'x'.repeat(41) }));
    expect(res.status).toBe(422);
    for (const f of ['displayName', 'bio', 'linkUrl1', 'skills']) expect(res.text).toContain(`id="field-${f}-error"`);
  });

  it('refuses a repeated field (400) and a form without its CSRF token (403)', async () => {
    const c = clients.owner;
    const token = await c.csrf('/settings/profile');
    const repeated = await c.agent
      .post('/settings/profile')
      .set('origin', c.origin)
      .type('form')
      .send(`_csrf=${encodeURIComponent(token)}&displayName=A&displayName=B&wallPolicy=everyone`);
    expect(repeated.status).toBe(400);
    const noToken = await c.submit('/settings/profile', validProfile({ displayName: 'Pirate' }), { csrf: null });
    expect(noToken.status).toBe(403);
    expect((await snapshot(owner.id)).user.display_name).toBe('Lucie Martin');
  });
});

describe('escaping', () => {
  const payloads = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>'];

  it.each(payloads)('shows %s as text in every field, on the profile and in the form', async (payload) => {
    const c = t.client();
    const u = await createUser(t.db);
    await c.login(u.handle);
    const res = await saveProfile(c, {
      displayName: payload,
      bio: `${payload}\n${payload}`,
      pronouns: payload.slice(0, 40),
      location: payload,
      skills: payload,
      interests: payload,
      languages: payload,
      linkUrl1: 'https://exemple.fr/?q=%3Cscript%3E',
      linkLabel1: payload,
      wallPolicy: 'everyone',
    });
    expect(res.status).toBe(303);
    for (const path of [`/@${u.handle}`, '/settings/profile']) {
      const page = await c.get(path);
      expect(page.status).toBe(200);
      expect(page.text).not.toContain(payload);
      expect(page.text).not.toContain(payload.slice(0, 40));
      expect(page.text).toContain(esc(payload));
    }
    const profile = await c.get(`/@${u.handle}`);
    expect(profile.text).toContain(`alt="${esc(payload)}"`);
    expect(profile.text).toContain(`<li class="tag">${esc(payload)}</li>`);

    // The refused form shows what was typed, escaped too.
    const refused = await saveProfile(c, { displayName: payload, bio: long(501), skills: payload, linkUrl1: payload, linkLabel1: payload, wallPolicy: 'everyone' });
    expect(refused.status).toBe(422);
    expect(refused.text).not.toContain(payload);
    expect(refused.text).toContain(`value="${esc(payload)}"`);
  });

  it('never links anything but http(s), even from an old row', async () => {
    const u = await createUser(t.db);
    await t.db
      .updateTable('profiles')
      .set({ links: JSON.stringify([{ url: 'javascript:alert(1)', label: 'piège' }, { url: 'https://ok.exemple.fr/', label: 'ok' }]) })
      .where('user_id', '=', u.id)
      .execute();
    const page = await clients.anonymous.get(`/@${u.handle}`);
    expect(page.text).not.toContain('javascript:');
    expect(page.text).toContain('href="https://ok.exemple.fr/"');
  });
});

describe('the avatar', () => {
  let token: string;
  const jpeg = () => sharp({ create: { width: 640, height: 480, channels: 3, background: '#c0392b' } }).jpeg().toBuffer();
  const files = (key: string) => AVATAR_SIZES.map((size) => path.join(dataDir, 'media', key.slice(0, 2), key.slice(2, 4), `${key}-${size}.webp`));
  const exists = (f: string) => fs.stat(f).then(() => true, () => false);
  const avatarKey = async () => (await t.db.selectFrom('profiles').select('avatar_key').where('user_id', '=', owner.id).executeTakeFirstOrThrow()).avatar_key;

  async function upload(c: Client, file: { buffer: Buffer; filename: string } | null, csrf?: string | null) {
    const req = c.agent.post('/settings/avatar').set('origin', c.origin).set('accept', 'text/html');
    if (csrf !== null) req.field('_csrf', csrf ?? (await c.csrf('/')));
    if (file) req.attach('avatar', file.buffer, file.filename);
    else req.field('nothing', '');
    return req;
  }

  beforeAll(async () => {
    token = await clients.owner.csrf('/settings/profile');
  });

  it('stores an uploaded JPEG at every size and shows it on the profile', async () => {
    const res = await upload(clients.owner, { buffer: await jpeg(), filename: 'moi.jpg' }, token);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/settings/profile?notice=avatarSaved');
    const key = await avatarKey();
    expect(key).toMatch(/^[a-z2-7]{26}$/);
    for (const f of files(key!)) expect(await exists(f), f).toBe(true);
    const meta = await sharp(files(key!)[1]!).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 128, 128]);

    const page = await clients.anonymous.get('/@Lucie_Martin');
    expect(page.text).toContain(
      `<img class="avatar avatar--medium" src="${mediaUrl(key!, 128)}" srcset="${mediaUrl(key!, 128)} 1x, ${mediaUrl(key!, 400)} 2x" width="128" height="128" alt="Lucie Martin"`,
    );
    const settings = await clients.owner.get('/settings/profile?notice=avatarSaved');
    expect(settings.text).toContain(msg('profile.notices.avatarSaved'));
    expect(settings.text).toContain('action="/settings/avatar/remove"');
    expect(settings.text).toContain('enctype="multipart/form-data"');
  });

  it('deletes the old files when the avatar is replaced', async () => {
    const old = await avatarKey();
    const png = await sharp({ create: { width: 300, height: 900, channels: 4, background: '#2980b9' } }).png().toBuffer();
    const res = await upload(clients.owner, { buffer: png, filename: 'autre.png' });
    expect(res.status).toBe(303);
    const key = await avatarKey();
    expect(key).not.toBe(old);
    for (const f of files(old!)) expect(await exists(f)).toBe(false);
    for (const f of files(key!)) expect(await exists(f)).toBe(true);
  });

  it('refuses a file that is not an image next to the field, the rest of the page as it was', async () => {
    const before = await snapshot(owner.id);
    const res = await upload(clients.owner, { buffer: Buffer.from('<?php echo "pas une image"; ?>'), filename: 'photo.jpg' });
    expect(res.status).toBe(422);
    expect(res.text).toContain(`<p class="field__error" id="field-avatar-error">${msg('media.errors.wrongType')}</p>`);
    expect(res.text).toContain('aria-invalid="true" aria-describedby="field-avatar-hint field-avatar-error"');
    // The profile form below still holds the member's values.
    expect(inputValue(res.text, 'displayName')).toBe('Lucie Martin');
    expect(inputValue(res.text, 'skills')).toBe('Bricolage, aide aux devoirs, Traduction');
    expect(textareaValue(res.text, 'bio')).toBe(before.profile.bio);
    expect(await snapshot(owner.id)).toEqual(before);
    for (const f of files(before.profile.avatar_key!)) expect(await exists(f)).toBe(true);
  });

  it('asks for a file when none was chosen', async () => {
    const res = await upload(clients.owner, null);
    expect(res.status).toBe(422);
    expect(res.text).toContain(`id="field-avatar-error">${msg('profile.validation.noFile')}</p>`);
  });

  it('needs a signed-in member and the CSRF token', async () => {
    const key = await avatarKey();
    const noToken = await upload(clients.owner, { buffer: await jpeg(), filename: 'x.jpg' }, null);
    expect(noToken.status).toBe(403);
    const anonymous = await upload(clients.anonymous, { buffer: await jpeg(), filename: 'x.jpg' });
    expect(anonymous.status).toBe(401);
    expect(await avatarKey()).toBe(key);
    const removal = await clients.anonymous.submit('/settings/avatar/remove', {});
    expect(removal.status).toBe(401);
  });

  it('goes back to the initials when removed, and its files are deleted', async () => {
    const key = await avatarKey();
    const res = await clients.owner.submit('/settings/avatar/remove', {}, { from: '/settings/profile' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/settings/profile?notice=avatarRemoved');
    expect(await avatarKey()).toBeNull();
    for (const f of files(key!)) expect(await exists(f)).toBe(false);
    const page = await clients.anonymous.get('/@Lucie_Martin');
    expect(page.text).toMatch(/src="\/media\/initials\/LM\/\d+\.svg"/);
    // Removing again changes nothing.
    expect((await clients.owner.submit('/settings/avatar/remove', {}, { from: '/settings/profile' })).status).toBe(303);
  });
});
