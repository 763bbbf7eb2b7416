// npm run migrate (all pending) · npm run migrate:down (the last one)
import { loadConfig, ConfigError } from '../config.ts';
import { openDatabase } from '../db/connection.ts';
import { migrateDown, migrateToLatest } from '../db/migrator.ts';

const direction = process.argv[2] === 'down' ? 'down' : 'up';
try {
  const config = loadConfig();
  const handle = await openDatabase(config, { preparedStatements: false });
  try {
    const names = direction === 'down' ? await migrateDown(handle.db) : await migrateToLatest(handle.db);
    if (names.length === 0) console.log(direction === 'down' ? 'No migration to undo.' : 'Database is up to date.');
    for (const name of names) console.log(`${direction === 'down' ? 'Undid' : 'Applied'} ${name}`);
  } finally {
    await handle.close();
  }
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `Migration failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
