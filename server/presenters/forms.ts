// A form's state for the template: what the person typed (never passwords), one message per
// wrong field, and a message for the form as a whole.
import { ValidationError } from '../errors.ts';
import type { Translate } from '../i18n/index.ts';

const SECRET_FIELDS = new Set(['password', 'passwordConfirm', 'currentPassword', 'newPassword', 'newPasswordConfirm', '_csrf']);

export interface FormState {
  values: Record<string, string>;
  errors: Record<string, string>;
  formError: string | undefined;
  hasErrors: boolean;
}

export function presentForm(body: unknown, error: ValidationError | undefined, t: Translate): FormState {
  const values: Record<string, string> = {};
  if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      if (!SECRET_FIELDS.has(k) && typeof v === 'string') values[k] = v;
    }
  }
  const errors: Record<string, string> = {};
  let formError: string | undefined;
  for (const [field, e] of Object.entries(error?.fields ?? {})) {
    const message = t(e.key, e.params);
    if (field === 'form') formError = message;
    else errors[field] = message;
  }
  if (error && !formError) formError = t('errors.fixFields');
  return { values, errors, formError, hasErrors: !!error };
}

export function emptyForm(values: Record<string, string> = {}): FormState {
  return { values, errors: {}, formError: undefined, hasErrors: false };
}
