// Factories write real rows through the same repos the application uses.
import type { Kysely } from 'kysely';
import type { Database, Role, User, UserStatus } from '../../server/db/schema.ts';
import { insertUser } from '../../server/repos/users.ts';
import { hashPassword } from '../../server/services/passwords.ts';

export const PASSWORD = 'lanterne-verte-sous-la-pluie';
let defaultHash: Promise<string> | undefined;
let counter = 0;

export async function createUser(
  db: Kysely<Database>,
  attrs: { handle?: string; email?: string; displayName?: string; role?: Role; status?: UserStatus; password?: string; locale?: string } = {},
): Promise<User> {
  counter += 1;
  const handle = attrs.handle ?? `user${counter}_${Math.random().toString(36).slice(2, 7)}`;
  // argon2 costs ~60 ms; the usual password is hashed once per file.
  const passwordHash = attrs.password ? await hashPassword(attrs.password) : await (defaultHash ??= hashPassword(PASSWORD));
  return insertUser(db, {
    handle,
    email: attrs.email ?? `${handle.toLowerCase()}@example.org`,
    display_name: attrs.displayName ?? `Person ${counter}`,
    password_hash: passwordHash,
    role: attrs.role ?? 'member',
    status: attrs.status ?? 'active',
    locale: attrs.locale ?? 'fr',
    invited_by: null,
  });
}
