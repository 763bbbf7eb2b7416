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
    /** prefix of the schemas this run creates on Postgres */
    testRunId: string;
  }
}

export default async function setup(project: TestProject) {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('select 1');
    await client.end();
    // Schemas are dropped when the whole run ends, not when each file ends: Kysely's migrator
    // introspects every schema of the database, and a schema dropped by a neighbouring file in
    // the middle of that query makes it fail ("schema … does not exist").
    const runId = `r${Date.now().toString(36)}`;
    project.provide('testDatabaseUrl', url);
    project.provide('pgliteSnapshot', '');
    project.provide('testRunId', runId);
    return async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const { rows } = await c.query<{ nspname: string }>(`select nspname from pg_namespace where nspname like $1`, [`test\\_${runId}\\_%`]);
      for (const { nspname } of rows) await c.query(`drop schema "${nspname}" cascade`);
      await c.end();
    };
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
  project.provide('testRunId', '');
  return async () => {
    await fs.rm(dir, { recursive: true, force: true });
  };
}
