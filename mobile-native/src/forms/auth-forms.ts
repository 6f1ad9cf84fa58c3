import type { LoginRequest, SignUpRequest } from '../api/types';

export interface SignUpValues {
  organisation: string;
  slug: string;
  displayName: string;
  email: string;
  password: string;
}

export interface LoginValues {
  tenant: string;
  email: string;
  password: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A slug suggested from the organisation's name: `Açaí Labs` → `acai-labs`. */
export function slugify(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
}

export function validateSignUp(v: SignUpValues): Partial<Record<keyof SignUpValues, string>> {
  const errors: Partial<Record<keyof SignUpValues, string>> = {};
  if (!v.organisation.trim()) errors.organisation = 'validation.required';
  if (!v.slug.trim()) errors.slug = 'validation.required';
  else if (!SLUG.test(v.slug.trim())) errors.slug = 'validation.slug';
  if (!v.displayName.trim()) errors.displayName = 'validation.required';
  if (!EMAIL.test(v.email.trim())) errors.email = 'validation.email';
  if (!v.password) errors.password = 'validation.required';
  return errors;
}

export function validateLogin(v: LoginValues): Partial<Record<keyof LoginValues, string>> {
  const errors: Partial<Record<keyof LoginValues, string>> = {};
  if (!v.tenant.trim()) errors.tenant = 'validation.required';
  if (!v.email.trim()) errors.email = 'validation.required';
  if (!v.password) errors.password = 'validation.required';
  return errors;
}

export function toSignUpRequest(v: SignUpValues): SignUpRequest {
  return {
    name: v.organisation.trim(),
    slug: v.slug.trim(),
    admin: { email: v.email.trim(), password: v.password, displayName: v.displayName.trim() },
  };
}

export function toLoginRequest(v: LoginValues): LoginRequest {
  return { tenant: v.tenant.trim().toLowerCase(), email: v.email.trim(), password: v.password };
}

const SIGN_UP_FIELDS: Record<string, keyof SignUpValues> = {
  name: 'organisation',
  slug: 'slug',
  'admin.email': 'email',
  'admin.password': 'password',
  'admin.displayName': 'displayName',
  admin: 'email',
};

/** The server's field errors (API paths) on the sign-up form's fields; the rest go in `other`. */
export function signUpFieldErrors(fieldErrors: Readonly<Record<string, string>>): { fields: Partial<Record<keyof SignUpValues, string>>; other: string[] } {
  const fields: Partial<Record<keyof SignUpValues, string>> = {};
  const other: string[] = [];
  for (const [path, message] of Object.entries(fieldErrors)) {
    const field = SIGN_UP_FIELDS[path];
    if (field && !fields[field]) fields[field] = message;
    else if (!field) other.push(message);
  }
  return { fields, other };
}
