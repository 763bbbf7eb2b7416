// The command-line tools, run as real child processes against a real database: a file-backed
// PGlite data folder, or a throw-away database on the Postgres server when TEST_DATABASE_URL is set.
// The app is started on that database only after the CLI has finished: an embedded PGlite folder
// can be open in one process at a time.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import { openPglite, openPostgres, type DatabaseHandle } from '../../server/db/connection.ts';
import { migrateToLatest } from '../../server/db/migrator.ts';
import type { User } from '../../server/db/schema.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one of server/cli/*.ts with the test's Node (24, which runs TypeScript) and only the given database settings. */
function runCli(script: string, args: string[], dbEnv: Record<string, string>): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', ...dbEnv };
  if (!dbEnv.DATABASE_URL) delete env.DATABASE_URL;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'server/cli', script), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface Store {
  kind: 'pglite' | 'postgres';
  /** what the CLI needs in its environment to reach this database */
  env: Record<string, string>;
  open(): Promise<DatabaseHandle>;
  destroy(): Promise<void>;
}

async function createStore(): Promise<Store> {
  const url = inject('testDatabaseUrl');
  if (url) {
    const name = `entraide_cli_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const dbUrl = new URL(url);
    dbUrl.pathname = `/${name}`;
    return {
      kind: 'postgres',
      env: { DATABASE_URL: dbUrl.toString() },
      open: async () => openPostgres(dbUrl.toString(), { max: 2 }),
      async destroy() {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query(`drop database if exists ${name} with (force)`);
        await c.end();
      },
    };
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'entraide-cli-'));
  const dataDir = path.join(dir, 'data');
  return {
    kind: 'pglite',
    env: { DATA_DIR: dataDir },
    open: () => openPglite({ dataDir }),
    destroy: () => fs.rm(dir, { recursive: true, force: true }),
  };
}

let store: Store;
let target: User;
/** whatever a test left open, closed in afterAll should the test fail half-way */
const open: { app?: TestApp; db?: DatabaseHandle } = {};

async function withDatabase<T>(fn: (db: DatabaseHandle['db']) => Promise<T>): Promise<T> {
  const handle = await store.open();
  open.db = handle;
  try {
    return await fn(handle.db);
  } finally {
    await handle.close();
    open.db = undefined;
  }
}

const userByHandle = (db: DatabaseHandle['db'], handle: string) =>
  db.selectFrom('users').selectAll().where('handle', '=', handle).executeTakeFirstOrThrow();

const roleChanges = (db: DatabaseHandle['db']) =>
  db.selectFrom('audit_events').selectAll().where('action', '=', 'admin.role_changed').orderBy('id').execute();

beforeAll(async () => {
  store = await createStore();
  await withDatabase(async (db) => {
    await migrateToLatest(db);
    target = await createUser(db, { handle: 'cli_target' });
  });
});

afterAll(async () => {
  await open.app?.close();
  await open.db?.close();
  await store?.destroy();
});

// Each test runs the CLI as its own process: a loaded machine needs more than the default 30 s.
describe('npm run admin (server/cli/admin.ts)', { timeout: 120_000 }, () => {
  it('promote <handle> moderator gives the role, records admin.role_changed, and the app honours it', async () => {
    const run = await runCli('admin.ts', ['promote', 'cli_target', 'moderator'], store.env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('@cli_target: member → moderator');

    const handle = await store.open();
    open.db = handle;
    expect((await userByHandle(handle.db, 'cli_target')).role).toBe('moderator');
    const events = await roleChanges(handle.db);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      target_user_id: target.id,
      actor_id: null,
      request_id: 'cli',
      details: { from: 'member', to: 'moderator', via: 'cli' },
    });

    // The promoted person now reaches the moderators' page.
    open.app = await createTestApp({ database: handle });
    const client = open.app.client();
    await client.login('cli_target');
    expect((await client.get('/moderation/pending')).status).toBe(200);
    expect((await client.get('/admin/settings')).status).toBe(404);
    await open.app.close();
    open.app = undefined;
    await handle.close();
    open.db = undefined;
  });

  it('accepts the handle with a leading @ and in any letter case', async () => {
    const run = await runCli('admin.ts', ['set-role', '@CLI_Target', 'admin'], store.env);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('@cli_target: moderator → admin');
    await withDatabase(async (db) => {
      expect((await userByHandle(db, 'cli_target')).role).toBe('admin');
      expect((await roleChanges(db)).map((e) => e.details)).toEqual([
        { from: 'member', to: 'moderator', via: 'cli' },
        { from: 'moderator', to: 'admin', via: 'cli' },
      ]);
    });
  });

  it('says so, and records nothing, when the account already has the role', async () => {
    const run = await runCli('admin.ts', ['promote', 'cli_target'], store.env);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('@cli_target is already admin.');
    await withDatabase(async (db) => {
      expect(await roleChanges(db)).toHaveLength(2);
    });
  });

  it('exits 1 with a clear message for an unknown handle', async () => {
    const run = await runCli('admin.ts', ['promote', 'nobody_here', 'moderator'], store.env);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe('No account with the handle "nobody_here".');
    expect(run.stdout).toBe('');
  });

  it('exits 1 for an unknown role, naming the roles, and changes nothing', async () => {
    const run = await runCli('admin.ts', ['set-role', 'cli_target', 'overlord'], store.env);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe('Unknown role "overlord": use one of member, moderator, admin.');
    await withDatabase(async (db) => {
      expect((await userByHandle(db, 'cli_target')).role).toBe('admin');
      expect(await roleChanges(db)).toHaveLength(2);
    });
  });

  it.each([
    { args: [] as string[], what: 'no arguments' },
    { args: ['promote'], what: 'no handle' },
    { args: ['set-role', 'cli_target'], what: 'set-role without a role' },
    { args: ['explode', 'cli_target'], what: 'an unknown command' },
  ])('prints the usage and exits 2 with $what', async ({ args }) => {
    const run = await runCli('admin.ts', args, store.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage:');
    expect(run.stderr).toContain('promote <handle>');
    expect(run.stdout).toBe('');
  });
});

describe('a data folder already in use', { timeout: 120_000 }, () => {
  let dir: string;
  let holder: DatabaseHandle | undefined;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'entraide-locked-'));
    holder = await openPglite({ dataDir: path.join(dir, 'data') });
    await migrateToLatest(holder.db);
  });

  afterAll(async () => {
    await holder?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it.each([
    { script: 'migrate.ts', args: [] as string[] },
    { script: 'admin.ts', args: ['promote', 'someone', 'moderator'] },
  ])('makes $script exit 1 saying the folder is already in use, and the holder keeps working', async ({ script, args }) => {
    const run = await runCli(script, args, { DATA_DIR: path.join(dir, 'data') });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('already in use');
    expect(run.stderr).toContain(path.join(dir, 'data'));
    const row = await holder!.db.selectFrom('instance_settings').select('name').executeTakeFirstOrThrow();
    expect(row.name).toBe('Entraide');
  });
});
