import type { Role } from '@poc/platform';
import type { UserView } from '../schemas.ts';

/** Email addresses are compared trimmed and lower-cased: `Ana@X.org` and `ana@x.org` are one user. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export const userView = (row: { id: string; email: string; display_name: string; roles: Role[]; created_at: Date }): UserView => ({
  id: row.id,
  email: row.email,
  displayName: row.display_name,
  roles: row.roles,
  createdAt: row.created_at.toISOString(),
});
