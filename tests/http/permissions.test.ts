// Who may reach what: every protected route against every kind of visitor. What a visitor may not
// see answers 404 (never 403, which would confirm the page exists); a pending account sees only
// its waiting page (403); an anonymous visitor is sent to the login form (pages) or refused (401).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Handlebars from 'handlebars';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import { translator } from '../../server/i18n/index.ts';
import type { User } from '../../server/db/schema.ts';

type Role = 'anonymous' | 'pending' | 'member' | 'moderator' | 'admin';
const ROLES: Role[] = ['anonymous', 'pending', 'member', 'moderator', 'admin'];

let t: TestApp;
const users = {} as Record<Exclude<Role, 'anonymous'>, User>;
const clients = {} as Record<Role, Client>;
/** owns the invitations other people try to revoke */
let bystander: User;

beforeAll(async () => {
  t = await createTestApp();
  users.pending = await createUser(t.db, { status: 'pending' });
  users.member = await createUser(t.db, { role: 'member' });
  users.moderator = await createUser(t.db, { role: 'moderator' });
  users.admin = await createUser(t.db, { role: 'admin' });
  bystander = await createUser(t.db);
  clients.anonymous = t.client();
  for (const role of ['pending', 'member', 'moderator', 'admin'] as const) {
    clients[role] = await t.loggedIn(users[role].handle);
  }
});
afterAll(async () => t.close());

const fr = translator('fr');
const msg = (key: string) => Handlebars.escapeExpression(fr(key));

/** What a request changes, so a refused one can be shown to have changed nothing. */
interface Prepared {
  path: string;
  fields?: Record<string, string>;
  /** true once the request's effect is visible in the database */
  done(): Promise<boolean>;
}

interface Route {
  method: 'GET' | 'POST';
  path: string;
  expected: Record<Role, number>;
  prepare?: (role: Role) => Promise<Prepared>;
}

const page = (expected: Omit<Record<Role, number>, 'anonymous' | 'pending'>): Record<Role, number> => ({ anonymous: 303, pending: 403, ...expected });
const action = (expected: Omit<Record<Role, number>, 'anonymous' | 'pending'>): Record<Role, number> => ({ anonymous: 401, pending: 403, ...expected });

async function newPendingAccount(): Promise<User> {
  return createUser(t.db, { status: 'pending' });
}

async function newInvitation(createdBy: User) {
  return t.db
    .insertInto('invitations')
    .values({ token: `tok${Math.random().toString(36).slice(2)}`, created_by: createdBy.id, expires_at: new Date(Date.now() + 86_400_000) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

const ROUTES: Route[] = [
  { method: 'GET', path: '/account', expected: page({ member: 200, moderator: 200, admin: 200 }) },
  { method: 'GET', path: '/account/password', expected: page({ member: 200, moderator: 200, admin: 200 }) },
  { method: 'GET', path: '/account/sessions', expected: page({ member: 200, moderator: 200, admin: 200 }) },
  { method: 'GET', path: '/invitations', expected: page({ member: 200, moderator: 200, admin: 200 }) },
  { method: 'GET', path: '/moderation/pending', expected: page({ member: 404, moderator: 200, admin: 200 }) },
  { method: 'GET', path: '/admin/settings', expected: page({ member: 404, moderator: 404, admin: 200 }) },
  { method: 'GET', path: '/admin/audit', expected: page({ member: 404, moderator: 404, admin: 200 }) },
  {
    method: 'POST',
    path: '/admin/settings',
    expected: action({ member: 404, moderator: 404, admin: 303 }),
    async prepare(role) {
      const current = await t.db.selectFrom('instance_settings').selectAll().executeTakeFirstOrThrow();
      const name = `Renamed by ${role}`;
      return {
        path: '/admin/settings',
        fields: { name, description: current.description, registrationMode: current.registration_mode },
        done: async () => (await t.db.selectFrom('instance_settings').select('name').executeTakeFirstOrThrow()).name === name,
      };
    },
  },
  {
    method: 'POST',
    path: '/moderation/pending/:id/approve',
    expected: action({ member: 404, moderator: 303, admin: 303 }),
    async prepare() {
      const target = await newPendingAccount();
      return {
        path: `/moderation/pending/${target.id}/approve`,
        done: async () => (await t.db.selectFrom('users').select('status').where('id', '=', target.id).executeTakeFirstOrThrow()).status === 'active',
      };
    },
  },
  {
    method: 'POST',
    path: '/invitations',
    expected: action({ member: 303, moderator: 303, admin: 303 }),
    async prepare(role) {
      const count = async () =>
        role === 'anonymous'
          ? (await t.db.selectFrom('invitations').select('id').execute()).length
          : (await t.db.selectFrom('invitations').select('id').where('created_by', '=', users[role].id).execute()).length;
      const before = await count();
      return { path: '/invitations', fields: { days: '7' }, done: async () => (await count()) > before };
    },
  },
  {
    method: 'POST',
    path: "/invitations/:id/revoke (someone else's)",
    expected: action({ member: 404, moderator: 404, admin: 303 }),
    async prepare() {
      const invitation = await newInvitation(bystander);
      return {
        path: `/invitations/${invitation.id}/revoke`,
        done: async () => (await t.db.selectFrom('invitations').select('revoked_at').where('id', '=', invitation.id).executeTakeFirstOrThrow()).revoked_at !== null,
      };
    },
  },
];

const CASES = ROUTES.flatMap((route) => ROLES.map((role) => ({ ...route, role, status: route.expected[role] })));

describe('access to protected routes', () => {
  it.each(CASES)('$role: $method $path answers $status', async ({ method, path, role, status, prepare }) => {
    const client = clients[role];
    if (method === 'GET') {
      const res = await client.get(path);
      expect(res.status).toBe(status);
      if (status === 303) expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(path)}`);
      if (status === 403) expect(res.text).toContain(msg('account.inactive.pending.title'));
      if (status === 404) expect(res.text).toContain(msg('errors.notFound'));
      if (status === 200) expect(res.text).not.toContain(msg('errors.notFound'));
      return;
    }
    const prepared = await prepare!(role);
    const res = await client.submit(prepared.path, prepared.fields ?? {}, { from: '/' });
    expect(res.status).toBe(status);
    if (status === 401) expect(res.text).toContain(msg('errors.loginRequired'));
    if (status === 403) expect(res.text).toContain(msg('account.inactive.pending.title'));
    if (status === 404) expect(res.text).toContain(msg('errors.notFound'));
    // A refused request changes nothing; an accepted one does what it says.
    expect(await prepared.done()).toBe(status === 303);
  });
});

describe('revoking invitations', () => {
  const revoked = async (id: number) =>
    (await t.db.selectFrom('invitations').select('revoked_at').where('id', '=', id).executeTakeFirstOrThrow()).revoked_at !== null;

  it('lets a member revoke their own invitation', async () => {
    const invitation = await newInvitation(users.member);
    const res = await clients.member.submit(`/invitations/${invitation.id}/revoke`, {}, { from: '/invitations' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/invitations?notice=invitationRevoked');
    expect(await revoked(invitation.id)).toBe(true);
  });

  it("answers 404 to a member revoking someone else's invitation, and an admin can revoke it", async () => {
    const invitation = await newInvitation(bystander);
    const refused = await clients.member.submit(`/invitations/${invitation.id}/revoke`, {}, { from: '/invitations' });
    expect(refused.status).toBe(404);
    expect(await revoked(invitation.id)).toBe(false);

    const done = await clients.admin.submit(`/invitations/${invitation.id}/revoke`, {}, { from: '/invitations' });
    expect(done.status).toBe(303);
    expect(await revoked(invitation.id)).toBe(true);
    const audit = await t.db.selectFrom('audit_events').selectAll().where('action', '=', 'invitation.revoked').where('actor_id', '=', users.admin.id).execute();
    expect(audit.map((e) => e.details)).toContainEqual({ invitationId: invitation.id });
  });

  it('answers 404, like any unknown invitation, to an id that does not exist', async () => {
    const res = await clients.admin.submit('/invitations/999999999/revoke', {}, { from: '/invitations' });
    expect(res.status).toBe(404);
  });
});
