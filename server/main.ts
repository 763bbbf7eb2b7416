// Starts the server: config, database (embedded PGlite unless DATABASE_URL), migrations, listen.
// SIGTERM/SIGINT stop accepting, close open sockets, then close the database and its lock.
import { loadConfig, ConfigError } from './config.ts';
import { openDatabase } from './db/connection.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { MigrationError, migrateToLatest } from './db/migrator.ts';
import { buildApp } from './app.ts';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }

  const started = performance.now();
  let database;
  try {
    if (config.databaseUrl) {
      // Migrations on their own connections, without named statements (see openDatabase).
      const migrating = await openDatabase(config, { preparedStatements: false });
      try {
        await migrateToLatest(migrating.db);
      } finally {
        await migrating.close();
      }
      database = await openDatabase(config);
    } else {
      database = await openDatabase(config);
      try {
        await migrateToLatest(database.db);
      } catch (err) {
        await database.close();
        throw err;
      }
    }
  } catch (err) {
    if (err instanceof DataDirLockedError) console.error(err.message);
    else if (err instanceof MigrationError) console.error(`Cannot migrate the database: ${err.message}`);
    else console.error(`Cannot open the database: ${(err as Error).message}`);
    process.exit(1);
  }
  const app = await buildApp({ config, database, closeDatabase: true });

  const HOUR = 3_600_000;
  const housekeeping = setInterval(() => {
    app.services.maintenance.purgeExpired().catch((err: unknown) => app.log.warn({ err }, 'housekeeping failed'));
  }, HOUR);
  housekeeping.unref();
  app.addHook('onClose', async () => clearInterval(housekeeping));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping');
    const force = setTimeout(() => {
      app.log.error('graceful stop took too long, exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    try {
      await app.close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'error while stopping');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    console.error(`Cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`);
    await database.close();
    process.exit(1);
  }
  app.log.info(
    { database: database.kind, dataDir: database.kind === 'pglite' ? config.dataDir : undefined, readyInMs: Math.round(performance.now() - started) },
    'Entraide is ready',
  );
  if (config.logLevel === 'silent' || config.env === 'development') {
    console.log(`Entraide listens on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port} (${database.kind})`);
  }
}

await main();
