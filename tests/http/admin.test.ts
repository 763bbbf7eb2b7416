// The admin area: instance settings form and the security (audit) log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Handlebars from 'handlebars';
import { sql } from 'kysely';
import { unescapeHtml } from '../support/html.ts';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser, PASSWORD } from '../support/factories.ts';
import { translator } from '../../server/i18n/index.ts';
import type { InstanceSettings, User } from '../../server/db/schema.ts';

let t: TestApp;
let admin: User;
let adminClient: Client;
beforeAll(async () => {
  t = await createTestApp();
  admin = await createUser(t.db, { role: 'admin' });
  adminClient = await t.loggedIn(admin.handle);
});
afterAll(async () => t.close());

const fr = translator('fr');
const esc = (s: string) => Handlebars.escapeExpression(s);
const msg = (key: string, params?: Record<string, unknown>) => esc(fr(key, params));


function settingsRow(): Promise<InstanceSettings> {
  return t.db.selectFrom('instance_settings').selectAll().executeTakeFirstOrThrow();
}

async function countAudit(action: string): Promise<number> {
  const row = await t.db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('action', '=', action)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function saveSettings(client: Client, fields: Record<string, string>) {
  return client.submit('/admin/settings', fields, { from: '/admin/settings' });
}

/** Setup through the form (not the table), so the app's short settings cache stays in step. */
async function useSettings(name: string, description: string, registrationMode: string): Promise<void> {
  const res = await saveSettings(adminClient, { name, description, registrationMode });
  expect(res.status).toBe(303);
}

/** What the settings form shows: the typed name, description and the checked mode(s). */
function settingsForm(html: string) {
  const name = /<input id="field-name" name="name" type="text" value="([^"]*)"/.exec(html)?.[1];
  const description = /<textarea id="field-description"[^>]*>([\s\S]*?)<\/textarea>/.exec(html)?.[1];
  const checked = [...html.matchAll(/<input type="radio" id="mode-(\w+)"([^>]*)>/g)].filter((m) => /\schecked(\s|$)/.test(m[2]!)).map((m) => m[1]);
  return { name: name === undefined ? undefined : unescapeHtml(name), description: description === undefined ? undefined : unescapeHtml(description), checked };
}

const siteName = (html: string) => {
  const m = /<a class="site-name" href="\/">([^<]*)<\/a>/.exec(html);
  return m ? unescapeHtml(m[1]!) : undefined;
};

interface AuditRow {
  at: string;
  label: string;
  actor: string;
  target: string;
  ip: string;
  details: Record<string, unknown>;
  requestId: string;
}

function auditRows(html: string): AuditRow[] {
  const tbody = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...tbody.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((tr) => {
    const cells = [...tr[1]!.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((c) => c[1]!);
    expect(cells).toHaveLength(6);
    const code = /<code>([\s\S]*?)<\/code>/.exec(cells[5]!)?.[1] ?? '';
    return {
      at: /datetime="([^"]+)"/.exec(cells[0]!)?.[1] ?? '',
      label: unescapeHtml(cells[1]!),
      actor: unescapeHtml(cells[2]!),
      target: unescapeHtml(cells[3]!),
      ip: unescapeHtml(cells[4]!),
      details: code ? (JSON.parse(unescapeHtml(code)) as Record<string, unknown>) : {},
      requestId: unescapeHtml(/<span class="muted"[^>]*>([^<]*)<\/span>/.exec(cells[5]!)?.[1] ?? ''),
    };
  });
}

const nextLink = (html: string) => /<a href="\/admin\/audit\?before=([^"]+)">/.exec(html)?.[1];

describe('instance settings', () => {
  it('shows an admin the current name, description and mode', async () => {
    await useSettings('Réseau du quartier', 'Aide & "entraide"', 'approval');
    const res = await adminClient.get('/admin/settings');
    expect(res.status).toBe(200);
    expect(settingsForm(res.text)).toEqual({ name: 'Réseau du quartier', description: 'Aide & "entraide"', checked: ['approval'] });
  });

  it('saves name, description and mode, records the change, and shows the new name in the header at once', async () => {
    await useSettings('Ancien nom', '', 'open');
    const changesBefore = await countAudit('admin.settings_changed');
    const res = await saveSettings(adminClient, {
      name: 'Entraide Belleville',
      description: 'Le réseau <solidaire> du quartier',
      registrationMode: 'invitation',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/settings?notice=settingsSaved');
    expect(await settingsRow()).toMatchObject({
      name: 'Entraide Belleville',
      description: 'Le réseau <solidaire> du quartier',
      registration_mode: 'invitation',
    });
    expect(await countAudit('admin.settings_changed')).toBe(changesBefore + 1);

    const page = await adminClient.get(res.headers.location!);
    expect(page.status).toBe(200);
    expect(page.text).toContain(msg('notices.settingsSaved'));
    expect(siteName(page.text)).toBe('Entraide Belleville');
    expect(settingsForm(page.text)).toEqual({ name: 'Entraide Belleville', description: 'Le réseau <solidaire> du quartier', checked: ['invitation'] });
    // Everyone sees it, not only the admin who saved it.
    expect(siteName((await t.client().get('/')).text)).toBe('Entraide Belleville');
  });

  it('accepts a name of exactly 60 characters, even when they take more bytes', async () => {
    const name = 'é'.repeat(60);
    const res = await saveSettings(adminClient, { name, description: '', registrationMode: 'open' });
    expect(res.status).toBe(303);
    expect((await settingsRow()).name).toBe(name);
  });

  const invalid = [
    {
      what: 'an empty name',
      fields: { name: '', description: 'Gardée telle quelle', registrationMode: 'approval' },
      field: 'name',
      message: () => msg('validation.required'),
    },
    {
      what: 'a name of only spaces',
      fields: { name: '   ', description: 'Gardée', registrationMode: 'closed' },
      field: 'name',
      message: () => msg('validation.required'),
    },
    {
      what: 'a name of 61 characters',
      fields: { name: 'n'.repeat(61), description: 'Courte', registrationMode: 'invitation' },
      field: 'name',
      message: () => msg('validation.tooLong', { max: 60 }),
    },
    {
      what: 'a description of 501 characters',
      fields: { name: 'Nom correct', description: 'd'.repeat(501), registrationMode: 'open' },
      field: 'description',
      message: () => msg('validation.tooLong', { max: 500 }),
    },
    {
      what: 'an unknown registration mode',
      fields: { name: 'Nom <correct>', description: 'Avec "guillemets"', registrationMode: 'everyone' },
      field: 'registrationMode',
      message: () => msg('validation.choice'),
    },
  ];

  it.each(invalid)('re-renders $what with status 422, a message next to the field and the typed values, writing nothing', async ({ fields, field, message }) => {
    await useSettings('Avant', 'Description avant', 'open');
    const before = await settingsRow();
    const changesBefore = await countAudit('admin.settings_changed');

    const res = await saveSettings(adminClient, fields);
    expect(res.status).toBe(422);
    expect(res.text).toContain(msg('errors.fixFields'));
    if (field === 'registrationMode') {
      expect(res.text).toMatch(new RegExp(`<fieldset class="field field--error">\\s*<legend>[^<]*</legend>\\s*<p class="field__error">${message()}</p>`));
    } else {
      expect(res.text).toContain(`<p class="field__error" id="field-${field}-error">${message()}</p>`);
    }
    // Only the wrong field is flagged.
    expect(res.text.match(/class="field__error"/g)).toHaveLength(1);
    expect(settingsForm(res.text)).toEqual({
      name: fields.name,
      description: fields.description,
      checked: ['open', 'invitation', 'approval', 'closed'].includes(fields.registrationMode) ? [fields.registrationMode] : [],
    });
    expect(siteName(res.text)).toBe('Avant');

    expect(await settingsRow()).toEqual(before);
    expect(await countAudit('admin.settings_changed')).toBe(changesBefore);
  });
});

describe('audit log', () => {
  it('lists sign-ups, logins and settings changes (with from/to details), newest first', async () => {
    await useSettings('Nom de départ', 'Description', 'open');

    const newcomer = `newcomer_${Math.random().toString(36).slice(2, 8)}`;
    const signup = await t.client().submit(
      '/signup',
      { displayName: 'Nouvelle personne', handle: newcomer, email: `${newcomer}@example.org`, password: PASSWORD, passwordConfirm: PASSWORD },
      { from: '/signup' },
    );
    expect(signup.status).toBe(303);

    const regular = await createUser(t.db);
    await t.client().login(regular.handle);

    const saved = await saveSettings(adminClient, { name: 'Nom après', description: 'Description', registrationMode: 'open' });
    expect(saved.status).toBe(303);

    const res = await adminClient.get('/admin/audit');
    expect(res.status).toBe(200);
    const rows = auditRows(res.text);
    expect(rows.length).toBeGreaterThan(3);

    const iSettings = rows.findIndex((r) => r.label === fr('admin.audit.actions.admin.settings_changed') && r.details.name !== undefined);
    const iLogin = rows.findIndex((r) => r.label === fr('admin.audit.actions.auth.login') && r.actor === `@${regular.handle}`);
    const iSignup = rows.findIndex((r) => r.label === fr('admin.audit.actions.auth.signup') && r.target === `@${newcomer}`);
    expect(iSettings).toBeGreaterThanOrEqual(0);
    expect(iLogin).toBeGreaterThan(iSettings);
    expect(iSignup).toBeGreaterThan(iLogin);

    expect(rows[iSettings]).toMatchObject({ actor: `@${admin.handle}`, details: { name: { from: 'Nom de départ', to: 'Nom après' } } });
    // Only what changed is recorded.
    expect(Object.keys(rows[iSettings]!.details)).toEqual(['name']);
    expect(rows[iLogin]).toMatchObject({ target: `@${regular.handle}`, ip: '127.0.0.1' });
    expect(rows[iSignup]).toMatchObject({ actor: `@${newcomer}`, details: { role: 'member', status: 'active', mode: 'open' } });
    expect(rows[iSignup]!.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const times = rows.map((r) => Date.parse(r.at));
    expect(times.every((time, i) => i === 0 || time <= times[i - 1]!)).toBe(true);
  });

  it('pages with ?before=: the next page holds the older events, with no duplicates and none missing', async () => {
    const recent = await t.db.selectFrom('audit_events').select('id').execute();
    expect(recent.length).toBeLessThan(40);
    // 70 old events on three timestamps; the middle 50 share one, so page 1 ends inside a run of
    // equal times and only the id can tell where page 2 starts.
    const time = (i: number) => new Date(Date.parse('2001-03-01T12:00:00.000Z') + (i < 10 ? 0 : i < 60 ? 1000 : 2000));
    for (let i = 0; i < 70; i += 1) {
      await t.db
        .insertInto('audit_events')
        .values({ action: 'test.paging', created_at: time(i), details: JSON.stringify({ seq: i }) })
        .execute();
    }
    const all = await t.db.selectFrom('audit_events').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    expect(all.length).toBeGreaterThan(70);

    const pages: AuditRow[][] = [];
    let url: string | undefined = '/admin/audit';
    while (url) {
      const res = await adminClient.get(url);
      expect(res.status).toBe(200);
      pages.push(auditRows(res.text));
      const next = nextLink(res.text);
      url = next ? `/admin/audit?before=${next}` : undefined;
      expect(pages.length).toBeLessThan(10);
    }

    expect(pages.length).toBe(Math.ceil(all.length / 50));
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages[0]).toHaveLength(50);
    expect(pages[1]!.length).toBeGreaterThan(0);
    // The page break falls between two events of the same time.
    expect(pages[1]![0]!.at).toBe(pages[0]![49]!.at);

    const shown = pages.flat();
    const expected = all.map((e) => ({ at: e.created_at.toISOString(), label: fr(`admin.audit.actions.${e.action}`, { defaultValue: e.action }), details: e.details }));
    expect(shown.map((r) => ({ at: r.at, label: r.label, details: r.details }))).toEqual(expected);

    const seqs = shown.filter((r) => r.label === 'test.paging').map((r) => r.details.seq as number);
    expect(seqs).toEqual(Array.from({ length: 70 }, (_, i) => 69 - i));
  });

  it('treats an unreadable cursor as the first page', async () => {
    const first = await adminClient.get('/admin/audit');
    const garbage = await adminClient.get('/admin/audit?before=not-a-cursor');
    expect(garbage.status).toBe(200);
    expect(auditRows(garbage.text)).toEqual(auditRows(first.text));
  });
});

describe('audit rows', () => {
  async function someEvent() {
    return t.db.selectFrom('audit_events').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  }

  it('cannot be updated, even by a raw UPDATE', async () => {
    const event = await someEvent();
    await expect(t.db.updateTable('audit_events').set({ action: 'rewritten' }).where('id', '=', event.id).execute()).rejects.toThrow(/append-only/);
    expect(await t.db.selectFrom('audit_events').selectAll().where('id', '=', event.id).executeTakeFirst()).toEqual(event);
  });

  it('cannot be deleted, even by a raw DELETE or TRUNCATE', async () => {
    const event = await someEvent();
    const count = async () => Number((await t.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    await expect(t.db.deleteFrom('audit_events').where('id', '=', event.id).execute()).rejects.toThrow(/append-only/);
    await expect(t.db.deleteFrom('audit_events').execute()).rejects.toThrow(/append-only/);
    await expect(sql`truncate audit_events`.execute(t.db)).rejects.toThrow(/append-only/);
    expect(await t.db.selectFrom('audit_events').selectAll().where('id', '=', event.id).executeTakeFirst()).toEqual(event);
    expect(await count()).toBe(before);
  });
});
