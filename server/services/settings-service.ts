import { NotFoundError } from '../errors.ts';
import { getSettings, updateSettings } from '../repos/settings.ts';
import { REGISTRATION_MODES, type InstanceSettings, type RegistrationMode } from '../db/schema.ts';
import { canManageSettings } from '../policies/index.ts';
import { audit } from './audit-service.ts';
import type { RequestMeta, ServiceDeps, Viewer } from './context.ts';
import { assertValid, checkText, clean, LIMITS } from './validation.ts';

export interface SettingsInput {
  name?: string;
  description?: string;
  registrationMode?: string;
}

// Every page shows the instance name, so the row is cached briefly. Another instance behind the
// same proxy sees a change within CACHE_MS; this one sees it at once.
const CACHE_MS = 5_000;

export function createSettingsService({ db }: ServiceDeps) {
  let cached: { value: InstanceSettings; at: number } | undefined;
  return {
    get(): Promise<InstanceSettings> {
      return getSettings(db);
    },

    async getCached(): Promise<InstanceSettings> {
      if (!cached || Date.now() - cached.at > CACHE_MS) cached = { value: await getSettings(db), at: Date.now() };
      return cached.value;
    },

    async getForAdmin(viewer: Viewer | null): Promise<InstanceSettings> {
      if (!canManageSettings(viewer)) throw new NotFoundError('settings');
      return getSettings(db);
    },

    async update(viewer: Viewer | null, input: SettingsInput, meta: RequestMeta): Promise<InstanceSettings> {
      if (!canManageSettings(viewer)) throw new NotFoundError('settings');
      const name = clean(input.name);
      const description = (input.description ?? '').normalize('NFC').trim().replace(/\r\n/g, '\n');
      const mode = input.registrationMode ?? '';
      assertValid({
        name: checkText(name, { required: true, max: LIMITS.instanceName.max }),
        description: checkText(description, { max: LIMITS.instanceDescription.max, multiline: true }),
        registrationMode: (REGISTRATION_MODES as readonly string[]).includes(mode) ? undefined : { key: 'validation.choice' },
      });
      return db.transaction().execute(async (trx) => {
        const before = await getSettings(trx);
        const after = await updateSettings(trx, { name, description, registration_mode: mode as RegistrationMode });
        const changed = (['name', 'description', 'registration_mode'] as const).filter((k) => before[k] !== after[k]);
        if (changed.length > 0) {
          await audit(trx, 'admin.settings_changed', meta, {
            actorId: viewer.id,
            details: Object.fromEntries(changed.map((k) => [k, { from: before[k], to: after[k] }])),
          });
        }
        return after;
      }).then((after) => {
        cached = { value: after, at: Date.now() };
        return after;
      });
    },
  };
}
