// An isolated database per test file: its own PGlite instance (from the migrated snapshot), or
// its own schema on the real Postgres, dropped afterwards. The database is never mocked.
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
    const schema = `test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const dropSchema = async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    };
    // Migrated the way the server does it: own connections, no named statements.
    const migrating = openPostgres(url, { schema, max: 1, preparedStatements: false });
    try {
      await migrateToLatest(migrating.db, schema);
    } catch (err) {
      await dropSchema();
      throw err;
    } finally {
      await migrating.close();
    }
    const handle = openPostgres(url, { schema, max: 5 });
    return {
      ...handle,
      async close() {
        await handle.close();
        await dropSchema();
      },
    };
  }
  const snapshot = await fs.readFile(inject('pgliteSnapshot'));
  return openPglite({ loadDataDir: new Blob([snapshot]) });
}
