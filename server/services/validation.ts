// Field rules shared by the services. Each check answers a FieldError (catalog key + params) or
// undefined; services gather them into one ValidationError so the form shows every problem at once.
import type { FieldError } from '../errors.ts';
import { ValidationError } from '../errors.ts';

// Paths the application uses or may use at the top level; a profile at /@handle must never
// be mistaken for them, and no one should look like staff by name.
const RESERVED_HANDLES = new Set([
  'admin', 'administrator', 'root', 'moderator', 'moderation', 'mod', 'staff', 'support', 'system',
  'entraide', 'api', 'static', 'login', 'logout', 'signup', 'account', 'settings', 'healthz', 'help',
  'invitations', 'null', 'undefined', 'me', 'www', 'mail', 'security', 'abuse', 'postmaster',
]);

export const LIMITS = {
  handle: { min: 3, max: 30 },
  displayName: { max: 60 },
  email: { max: 254 },
  instanceName: { max: 60 },
  instanceDescription: { max: 500 },
} as const;

// Control characters (but tab/newline where text may span lines) have no place in names.
 
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;
 
const CONTROL_MULTILINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const length = (s: string) => [...s].length;

export function checkHandle(handle: string): FieldError | undefined {
  if (handle === '') return { key: 'validation.required' };
  if (length(handle) < LIMITS.handle.min || length(handle) > LIMITS.handle.max) {
    return { key: 'validation.handleLength', params: LIMITS.handle };
  }
  if (!/^[A-Za-z0-9_]+$/.test(handle)) return { key: 'validation.handleChars' };
  if (RESERVED_HANDLES.has(handle.toLowerCase())) return { key: 'validation.handleReserved' };
  return undefined;
}

export function checkDisplayName(name: string): FieldError | undefined {
  if (name === '') return { key: 'validation.required' };
  if (length(name) > LIMITS.displayName.max) return { key: 'validation.tooLong', params: { max: LIMITS.displayName.max } };
  if (CONTROL.test(name)) return { key: 'validation.controlChars' };
  return undefined;
}

export function checkEmail(email: string): FieldError | undefined {
  if (email === '') return { key: 'validation.required' };
  if (email.length > LIMITS.email.max) return { key: 'validation.tooLong', params: { max: LIMITS.email.max } };
  // Deliberately loose: one @, something on each side, a dot in the domain, no spaces.
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return { key: 'validation.emailFormat' };
  return undefined;
}

export function checkText(value: string, opts: { required?: boolean; max: number; multiline?: boolean }): FieldError | undefined {
  if (opts.required && value === '') return { key: 'validation.required' };
  if (length(value) > opts.max) return { key: 'validation.tooLong', params: { max: opts.max } };
  if ((opts.multiline ? CONTROL_MULTILINE : CONTROL).test(value)) return { key: 'validation.controlChars' };
  return undefined;
}

/** A whole number typed in a form (digits only, spaces around it allowed) within [min, max], or
 * undefined when the text is not one or lies outside the range. */
export function intInRange(value: string | undefined, range: { min: number; max: number }): number | undefined {
  const v = (value ?? '').trim();
  if (!/^[0-9]+$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= range.min && n <= range.max ? n : undefined;
}

/** Throws one ValidationError listing every failed field, or returns when all pass. */
export function assertValid(checks: Record<string, FieldError | undefined>): void {
  const fields: Record<string, FieldError> = {};
  for (const [name, error] of Object.entries(checks)) if (error) fields[name] = error;
  if (Object.keys(fields).length > 0) throw new ValidationError(fields);
}

/** Trims and normalises Unicode so "é" typed two ways is one name. */
export function clean(value: string | undefined): string {
  return (value ?? '').normalize('NFC').trim();
}

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string; message?: string } | null;
  if (!e || e.code !== '23505') return false;
  return constraint === undefined || e.constraint === constraint || (e.message ?? '').includes(constraint);
}
