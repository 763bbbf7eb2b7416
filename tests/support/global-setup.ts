// Runs once per test run. On PGlite: migrate one in-memory database and keep its dump, so each
// test file starts its own database from the snapshot in well under a second (initdb costs 2–3 s).
// On Postgres (TEST_DATABASE_URL): check the server answers; each file makes its own schema.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { openPglite } from '../../server/db/connection.ts';
import { migrateToLatest } from '../../server/db/migrator.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteSnapshot: string;
    testDatabaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('select 1');
    await client.end();
    project.provide('testDatabaseUrl', url);
    project.provide('pgliteSnapshot', '');
    return;
  }
  const handle = await openPglite();
  await migrateToLatest(handle.db);
  const dump = await handle.pglite!.dumpDataDir('none');
  await handle.close();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'entraide-test-'));
  const file = path.join(dir, 'snapshot.tar');
  await fs.writeFile(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteSnapshot', file);
  project.provide('testDatabaseUrl', '');
  return async () => {
    await fs.rm(dir, { recursive: true, force: true });
  };
}
