// Sign-up under each registration mode, end to end through the HTTP forms, on a real database.
// The first describe needs an instance with no account at all, so it must stay first in the file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Handlebars from 'handlebars';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser, PASSWORD } from '../support/factories.ts';
import { translator } from '../../server/i18n/index.ts';
import type { RegistrationMode, User } from '../../server/db/schema.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

const fr = translator('fr');
/** A catalog message as the templates print it (Handlebars-escaped). */
const msg = (key: string, params?: Record<string, unknown>) => Handlebars.escapeExpression(fr(key, params));
const formError = (key: string) => `<div class="form-error" role="alert"><p>${msg(key)}</p></div>`;
const SIGNUP_FORM = 'action="/signup"';

let counter = 0;
function newHandle(prefix: string): string {
  counter += 1;
  return `${prefix}${counter}_${Math.random().toString(36).slice(2, 8)}`;
}

function signUp(client: Client, handle: string, extra: Record<string, string> = {}) {
  return client.submit(
    '/signup',
    { displayName: `Personne ${handle}`, handle, email: `${handle.toLowerCase()}@example.org`, password: PASSWORD, passwordConfirm: PASSWORD, ...extra },
    { from: '/' },
  );
}

function findUser(handle: string): Promise<User | undefined> {
  return t.db.selectFrom('users').selectAll().where('handle', '=', handle).executeTakeFirst();
}

async function loggedIn(user: User): Promise<Client> {
  const client = await t.loggedIn(user.handle);
  return client;
}

/** Changes the mode the way an admin does: through the settings form. */
async function setMode(admin: Client, mode: RegistrationMode): Promise<void> {
  const current = await t.db.selectFrom('instance_settings').selectAll().executeTakeFirstOrThrow();
  const res = await admin.submit(
    '/admin/settings',
    { name: current.name, description: current.description, registrationMode: mode },
    { from: '/admin/settings' },
  );
  expect(res.status).toBe(303);
  const after = await t.db.selectFrom('instance_settings').select('registration_mode').executeTakeFirstOrThrow();
  expect(after.registration_mode).toBe(mode);
}

async function newAdminClient(): Promise<Client> {
  return loggedIn(await createUser(t.db, { role: 'admin' }));
}

describe('the first account of an empty instance', () => {
  let founder: Client;

  it('becomes an active admin even though sign-ups are closed', async () => {
    const count = await t.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
    await t.db.updateTable('instance_settings').set({ registration_mode: 'closed' }).execute();

    founder = t.client();
    const page = await founder.get('/signup');
    expect(page.status).toBe(200);
    expect(page.text).toContain(msg('auth.signup.firstAccount'));
    expect(page.text).toContain(SIGNUP_FORM);
    expect(page.text).not.toContain(msg('auth.signup.closed'));

    const handle = newHandle('founder');
    const res = await signUp(founder, handle);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/?notice=welcome');
    expect(await findUser(handle)).toMatchObject({ role: 'admin', status: 'active' });
    // The founder is signed in and can set the instance up at once.
    expect((await founder.get('/admin/settings')).status).toBe(200);
  });

  it('is followed by accounts that are plain active members', async () => {
    await setMode(founder, 'open');
    const page = await t.client().get('/signup');
    expect(page.text).not.toContain(msg('auth.signup.firstAccount'));

    const handle = newHandle('second');
    const res = await signUp(t.client(), handle);
    expect(res.status).toBe(303);
    expect(await findUser(handle)).toMatchObject({ role: 'member', status: 'active' });
  });
});

describe('open mode', () => {
  beforeAll(async () => {
    await setMode(await newAdminClient(), 'open');
  });

  it('shows the sign-up form', async () => {
    const page = await t.client().get('/signup');
    expect(page.status).toBe(200);
    expect(page.text).toContain(SIGNUP_FORM);
  });

  it('creates an active member who is signed in straight away', async () => {
    const client = t.client();
    const handle = newHandle('open');
    const res = await signUp(client, handle);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/?notice=welcome');
    expect(await findUser(handle)).toMatchObject({ role: 'member', status: 'active', invited_by: null });
    const account = await client.get('/account');
    expect(account.status).toBe(200);
    expect(account.text).toContain(`@${handle}`);
  });
});

describe('closed mode', () => {
  beforeAll(async () => {
    await setMode(await newAdminClient(), 'closed');
  });

  it('says on the sign-up page that sign-ups are closed, without a form', async () => {
    const page = await t.client().get('/signup');
    expect(page.status).toBe(200);
    expect(page.text).toContain(msg('auth.signup.closed'));
    expect(page.text).not.toContain(SIGNUP_FORM);
  });

  it('refuses a sign-up POST with the closed message and writes no user', async () => {
    const client = t.client();
    const handle = newHandle('closed');
    const res = await signUp(client, handle);
    expect(res.status).toBe(422);
    expect(res.text).toContain(formError('auth.signup.closed'));
    expect(await findUser(handle)).toBeUndefined();
    // No session was opened either.
    const account = await client.get('/account');
    expect(account.status).toBe(303);
  });
});

describe('approval mode', () => {
  let moderator: User;
  let moderatorClient: Client;

  beforeAll(async () => {
    await setMode(await newAdminClient(), 'approval');
    moderator = await createUser(t.db, { role: 'moderator' });
    moderatorClient = await loggedIn(moderator);
  });

  async function pendingPerson() {
    const client = t.client();
    const handle = newHandle('wait');
    const res = await signUp(client, handle);
    expect(res.status).toBe(303);
    const user = (await findUser(handle))!;
    return { client, handle, user };
  }

  function decide(id: number, decision: 'approve' | 'reject') {
    return moderatorClient.submit(`/moderation/pending/${id}/${decision}`, {}, { from: '/moderation/pending' });
  }

  const waitingTitle = () => `<h1>${msg('account.inactive.pending.title')}</h1>`;
  const declinedTitle = () => `<h1>${msg('account.inactive.rejected.title')}</h1>`;

  it('tells on the sign-up page that new accounts are reviewed, and shows the form', async () => {
    const page = await t.client().get('/signup');
    expect(page.status).toBe(200);
    expect(page.text).toContain(msg('auth.signup.approvalNotice'));
    expect(page.text).toContain(SIGNUP_FORM);
  });

  it('creates the new account as a pending member', async () => {
    const { user } = await pendingPerson();
    expect(user).toMatchObject({ role: 'member', status: 'pending', reviewed_at: null, reviewed_by: null });
  });

  it('shows a pending account only the waiting page, with status 403, wherever it goes', async () => {
    const { client } = await pendingPerson();
    for (const path of ['/', '/account', '/account/sessions', '/invitations', '/moderation/pending', '/admin/settings']) {
      const res = await client.get(path);
      expect(res.status, path).toBe(403);
      expect(res.text, path).toContain(waitingTitle());
      expect(res.text, path).not.toContain('href="/account"');
    }
  });

  it('refuses form posts from a pending account with the waiting page and writes nothing', async () => {
    const { client, user } = await pendingPerson();
    const res = await client.submit('/invitations', { days: '7' }, { from: '/' });
    expect(res.status).toBe(403);
    expect(res.text).toContain(waitingTitle());
    const invitations = await t.db.selectFrom('invitations').select('id').where('created_by', '=', user.id).execute();
    expect(invitations).toHaveLength(0);
  });

  it('lets a pending account log in, and then shows the waiting page', async () => {
    const { handle } = await pendingPerson();
    const other = t.client();
    const res = await other.login(handle);
    expect(res.status).toBe(303);
    const home = await other.get('/');
    expect(home.status).toBe(403);
    expect(home.text).toContain(waitingTitle());
  });

  it('lets a pending account log out', async () => {
    const { client, user } = await pendingPerson();
    const res = await client.submit('/logout', {}, { from: '/' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/?notice=loggedOut');
    const home = await client.get('/');
    expect(home.status).toBe(200);
    expect(home.text).not.toContain(waitingTitle());
    expect((await client.get('/account')).headers.location).toBe('/login?next=%2Faccount');
    const sessions = await t.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute();
    expect(sessions).toHaveLength(0);
  });

  it('lists the pending account for a moderator, and approving it lets the person use the site', async () => {
    const { client, handle, user } = await pendingPerson();
    const list = await moderatorClient.get('/moderation/pending');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`@${handle}`);
    expect(list.text).toContain(`action="/moderation/pending/${user.id}/approve"`);

    const res = await decide(user.id, 'approve');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/moderation/pending?notice=accountApproved');
    const after = await moderatorClient.get(res.headers.location!);
    expect(after.text).toContain(msg('notices.accountApproved'));
    expect(after.text).not.toContain(`@${handle}`);

    expect(await findUser(handle)).toMatchObject({ status: 'active', reviewed_by: moderator.id });
    for (const path of ['/', '/account', '/invitations']) {
      const page = await client.get(path);
      expect(page.status, path).toBe(200);
      expect(page.text, path).not.toContain(waitingTitle());
    }
    const audit = await t.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'moderation.account_approved')
      .where('target_user_id', '=', user.id)
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor_id).toBe(moderator.id);
  });

  it('says an account was already reviewed when it is approved twice', async () => {
    const { user } = await pendingPerson();
    expect((await decide(user.id, 'approve')).headers.location).toBe('/moderation/pending?notice=accountApproved');
    const again = await decide(user.id, 'approve');
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe('/moderation/pending?notice=alreadyReviewed');
    const page = await moderatorClient.get(again.headers.location!);
    expect(page.text).toContain(msg('notices.alreadyReviewed'));
    const audit = await t.db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'moderation.account_approved')
      .where('target_user_id', '=', user.id)
      .execute();
    expect(audit).toHaveLength(1);
  });

  it('shows a rejected person the declined page', async () => {
    const { client, handle, user } = await pendingPerson();
    const res = await decide(user.id, 'reject');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/moderation/pending?notice=accountRejected');
    expect(await findUser(handle)).toMatchObject({ status: 'rejected', reviewed_by: moderator.id });
    for (const path of ['/', '/account']) {
      const page = await client.get(path);
      expect(page.status, path).toBe(403);
      expect(page.text, path).toContain(declinedTitle());
      expect(page.text, path).not.toContain(waitingTitle());
    }
    // A decision, once made, is not overturned by a late approval.
    expect((await decide(user.id, 'approve')).headers.location).toBe('/moderation/pending?notice=alreadyReviewed');
    expect(await findUser(handle)).toMatchObject({ status: 'rejected' });
  });

  it('answers 404 to a decision on an account that does not exist or never waited for review', async () => {
    expect((await decide(999_999_999, 'approve')).status).toBe(404);
    const active = await createUser(t.db);
    expect((await decide(active.id, 'reject')).status).toBe(404);
    expect(await findUser(active.handle)).toMatchObject({ status: 'active', reviewed_by: null });
  });
});

describe('invitation mode', () => {
  let member: User;
  let memberClient: Client;

  beforeAll(async () => {
    await setMode(await newAdminClient(), 'invitation');
    member = await createUser(t.db);
    memberClient = await loggedIn(member);
  });

  async function createInvitation() {
    const res = await memberClient.submit('/invitations', { days: '7' }, { from: '/invitations' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/invitations?notice=invitationCreated');
    return t.db
      .selectFrom('invitations')
      .selectAll()
      .where('created_by', '=', member.id)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
  }

  function invitationRow(id: number) {
    return t.db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  /** A token that no longer works: the page asks for an invitation and the POST writes nothing. */
  async function expectRefused(token: string) {
    const client = t.client();
    const page = await client.get(`/signup?invite=${token}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(msg('auth.signup.invitationNeeded'));
    expect(page.text).not.toContain(SIGNUP_FORM);
    const handle = newHandle('refused');
    const res = await signUp(client, handle, { invitation: token });
    expect(res.status).toBe(422);
    expect(res.text).toContain(formError('auth.signup.invitationInvalid'));
    expect(await findUser(handle)).toBeUndefined();
  }

  it('says on the sign-up page that an invitation is needed, without a form', async () => {
    const page = await t.client().get('/signup');
    expect(page.status).toBe(200);
    expect(page.text).toContain(msg('auth.signup.invitationNeeded'));
    expect(page.text).not.toContain(SIGNUP_FORM);
  });

  it('refuses a sign-up POST without an invitation and writes no user', async () => {
    const handle = newHandle('noinv');
    const res = await signUp(t.client(), handle);
    expect(res.status).toBe(422);
    expect(res.text).toContain(formError('auth.signup.invitationInvalid'));
    expect(await findUser(handle)).toBeUndefined();
  });

  it('lets a member create an invitation whose link appears on /invitations', async () => {
    const invitation = await createInvitation();
    expect(invitation).toMatchObject({ used_at: null, used_by: null, revoked_at: null });
    expect(invitation.expires_at.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    const page = await memberClient.get('/invitations');
    expect(page.status).toBe(200);
    expect(page.text).toContain(Handlebars.escapeExpression(`${t.origin}/signup?invite=${invitation.token}`));
  });

  it('signs up with ?invite=TOKEN, and marks the invitation used by the new account', async () => {
    const invitation = await createInvitation();
    const client = t.client();
    const page = await client.get(`/signup?invite=${invitation.token}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(SIGNUP_FORM);
    expect(page.text).toContain(`name="invitation" value="${invitation.token}"`);

    const handle = newHandle('invited');
    const res = await signUp(client, handle, { invitation: invitation.token });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/?notice=welcome');
    const user = await findUser(handle);
    expect(user).toMatchObject({ role: 'member', status: 'active', invited_by: member.id });
    const used = await invitationRow(invitation.id);
    expect(used.used_by).toBe(user!.id);
    expect(used.used_at).toBeInstanceOf(Date);
    expect((await client.get('/account')).status).toBe(200);

    const list = await memberClient.get('/invitations');
    expect(list.text).toContain(msg('invitations.states.used'));
    expect(list.text).not.toContain(`invite=${invitation.token}`);
  });

  it('refuses an invitation that was already used', async () => {
    const invitation = await createInvitation();
    const first = newHandle('once');
    expect((await signUp(t.client(), first, { invitation: invitation.token })).status).toBe(303);
    await expectRefused(invitation.token);
    expect((await invitationRow(invitation.id)).used_by).toBe((await findUser(first))!.id);
  });

  it('refuses an expired invitation', async () => {
    const invitation = await createInvitation();
    await t.db
      .updateTable('invitations')
      .set({ expires_at: new Date(Date.now() - 60_000) })
      .where('id', '=', invitation.id)
      .execute();
    await expectRefused(invitation.token);
    expect(await invitationRow(invitation.id)).toMatchObject({ used_at: null, used_by: null });
  });

  it('refuses a revoked invitation', async () => {
    const invitation = await createInvitation();
    const res = await memberClient.submit(`/invitations/${invitation.id}/revoke`, {}, { from: '/invitations' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/invitations?notice=invitationRevoked');
    expect((await invitationRow(invitation.id)).revoked_at).toBeInstanceOf(Date);
    await expectRefused(invitation.token);
    expect(await invitationRow(invitation.id)).toMatchObject({ used_at: null, used_by: null });
    // Revoking it again changes nothing and says so.
    const again = await memberClient.submit(`/invitations/${invitation.id}/revoke`, {}, { from: '/invitations' });
    expect(again.headers.location).toBe('/invitations?notice=invitationNotRevocable');
    const audit = await t.db.selectFrom('audit_events').select('details').where('action', '=', 'invitation.revoked').execute();
    expect(audit.filter((a) => a.details.invitationId === invitation.id)).toHaveLength(1);
  });
});
