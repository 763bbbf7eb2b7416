// npm run admin -- <command>
//   promote <handle> [role]   give a role (default: admin)
//   demote <handle>           back to member
//   set-role <handle> <role>  member | moderator | admin
import { loadConfig, ConfigError } from '../config.ts';
import { openDatabase } from '../db/connection.ts';
import { migrateToLatest } from '../db/migrator.ts';
import { createRoleService, RoleChangeError } from '../services/role-service.ts';
import { ROLES } from '../db/schema.ts';

const usage = `Usage:
  npm run admin -- promote <handle> [member|moderator|admin]   (default role: admin)
  npm run admin -- demote <handle>
  npm run admin -- set-role <handle> <member|moderator|admin>`;

const [command, handle, roleArg] = process.argv.slice(2);
let role: string | undefined;
if (command === 'promote') role = roleArg ?? 'admin';
else if (command === 'demote') role = 'member';
else if (command === 'set-role') role = roleArg;

if (!handle || !role) {
  console.error(usage);
  process.exit(2);
}
// Checked before the database is opened (and migrated): a typo must not touch anything.
if (!(ROLES as readonly string[]).includes(role)) {
  console.error(`Unknown role "${role}": use one of ${ROLES.join(', ')}.`);
  process.exit(1);
}

try {
  const config = loadConfig();
  const database = await openDatabase(config, { preparedStatements: false });
  try {
    await migrateToLatest(database.db);
    const result = await createRoleService({ db: database.db, config }).setRole(handle, role);
    console.log(result.from === result.to ? `@${result.handle} is already ${result.to}.` : `@${result.handle}: ${result.from} → ${result.to}`);
  } finally {
    await database.close();
  }
} catch (err) {
  if (err instanceof RoleChangeError || err instanceof ConfigError) {
    console.error(err.message);
    process.exitCode = 1;
  } else {
    console.error(`Failed: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
