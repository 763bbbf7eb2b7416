// An isolated database per test file: its own PGlite instance (from the migrated snapshot), or
// its own schema on the real Postgres, dropped when the run ends. The database is never mocked.
import fs from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openPglite, openPostgres, type DatabaseHandle } from '../../server/db/connection.ts';
import { migrateToLatest } from '../../server/db/migrator.ts';

export const onPostgres = () => !!inject('testDatabaseUrl');

export async function createTestDatabase(): Promise<DatabaseHandle> {
  const url = inject('testDatabaseUrl');
  if (url) {
    const schema = `test_${inject('testRunId')}_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    // Migrated the way the server does it: own connections, no named statements.
    const migrating = openPostgres(url, { schema, max: 1, preparedStatements: false });
    try {
      await migrateToLatest(migrating.db, schema);
    } finally {
      await migrating.close();
    }
    const handle = openPostgres(url, { schema, max: 5 });
    // The schema itself is dropped at the end of the run (tests/support/global-setup.ts).
    return handle;
  }
  const snapshot = await fs.readFile(inject('pgliteSnapshot'));
  return openPglite({ loadDataDir: new Blob([snapshot]) });
}
