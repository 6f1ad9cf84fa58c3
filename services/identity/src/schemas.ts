import { type Static, Type } from '@sinclair/typebox';
import { ROLES } from '@poc/platform';
import { PASSWORD_MAX_LENGTH } from './passwords/policy.ts';

// The password is checked by the policy (length in code points after NFKC, common list),
// so the schema only bounds its size; `maxLength` here is a generous UTF-16 guard.
const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH * 2, description: 'at least 12 characters, not a common password' });
const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 });
const DisplayName = Type.String({ minLength: 1, maxLength: 100 });
const Uuid = Type.String({ format: 'uuid' });
export const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));
export const Roles = Type.Array(Role, { minItems: 1, maxItems: ROLES.length, uniqueItems: true });

export const Slug = Type.String({ pattern: '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$', minLength: 1, maxLength: 63, description: 'lower-case letters, digits and dashes' });

export const Tenant = Type.Object({ id: Uuid, name: Type.String(), slug: Type.String() });
export const User = Type.Object(
  { id: Uuid, email: Type.String(), displayName: Type.String(), roles: Type.Array(Role), createdAt: Type.String({ format: 'date-time' }) },
);
export type UserView = Static<typeof User>;

export const TokenPair = Type.Object(
  {
    accessToken: Type.String(),
    refreshToken: Type.String(),
    tokenType: Type.Literal('Bearer'),
    /** Seconds until the access token expires. */
    expiresIn: Type.Integer(),
  },
);

export const OnboardBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    slug: Slug,
    admin: Type.Object({ email: Email, password: Password, displayName: DisplayName }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export const Onboarded = Type.Object({
  tenant: Tenant,
  user: User,
  accessToken: Type.String(),
  refreshToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer(),
});
export const OnboardingAccepted = Type.Object({
  tenant: Tenant,
  user: User,
  status: Type.Literal('provisioning'),
});

export const LoginBody = Type.Object(
  { tenant: Type.String({ minLength: 1, maxLength: 63, description: 'the tenant slug' }), email: Type.String({ minLength: 1, maxLength: 254 }), password: Password },
  { additionalProperties: false },
);
export const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

export const Me = Type.Object({ id: Uuid, email: Type.String(), displayName: Type.String(), roles: Type.Array(Role), tenant: Tenant });

export const CreateUserBody = Type.Object(
  { email: Email, password: Password, displayName: DisplayName, roles: Roles },
  { additionalProperties: false },
);
export const RolesBody = Type.Object({ roles: Roles }, { additionalProperties: false });
export const UserParams = Type.Object({ id: Uuid });
export const ListQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }), cursor: Type.Optional(Uuid) },
  { additionalProperties: false },
);
export const UserPage = Type.Object({ items: Type.Array(User), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const Jwks = Type.Object({ keys: Type.Array(Type.Object({ kid: Type.Optional(Type.String()), kty: Type.Optional(Type.String()) }, { additionalProperties: true })) });
