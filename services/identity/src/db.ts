import { type ColumnType, type Generated, type Migration, sql } from 'kysely';
import { APP_ROLE } from '@poc/platform';
import type { Role } from '@poc/platform';

/** Identity's tables (schema `identity`), as kysely sees them. */
export interface IdentityTables {
  'identity.tenants': {
    id: string;
    name: string;
    slug: string;
    created_at: ColumnType<Date, Date | undefined, never>;
  };
  'identity.users': {
    id: string;
    tenant_id: string;
    email: string;
    display_name: string;
    password_hash: string;
    roles: Role[];
    version: number;
    created_at: ColumnType<Date, Date | undefined, never>;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  'identity.refresh_tokens': {
    id: string;
    family_id: string;
    tenant_id: string;
    user_id: string;
    token_hash: Buffer;
    created_at: ColumnType<Date, Date | undefined, never>;
    expires_at: Date;
    used_at: Date | null;
    revoked_at: Date | null;
  };
  'identity.signing_keys': {
    kid: string;
    alg: string;
    public_jwk: ColumnType<Record<string, unknown>, string, never>;
    private_key: Buffer | null;
    created_at: ColumnType<Date, Date | undefined, never>;
    /** When it becomes the signer: published ahead of it, so every verifier knows it first. */
    activates_at: Date;
    /** When a newer key took over signing; published until its last token expired. */
    retired_at: Date | null;
    seq: Generated<number>;
  };
}

export const identityMigrations: Record<string, Migration> = {
  '001_identity': {
    async up(db) {
      await sql`
        create schema if not exists identity;
        grant usage on schema identity to ${sql.id(APP_ROLE)};
        create table identity.tenants (
          id uuid primary key,
          name text not null,
          slug text not null unique,
          created_at timestamptz not null default now()
        );
        create table identity.users (
          id uuid primary key,
          tenant_id uuid not null references identity.tenants (id),
          email text not null,
          display_name text not null,
          password_hash text not null,
          roles text[] not null,
          version integer not null default 1,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now(),
          unique (tenant_id, email)
        );
        create index users_tenant_page on identity.users (tenant_id, id);
        alter table identity.users enable row level security;
        alter table identity.users force row level security;
        create policy tenant_isolation on identity.users
          using (current_setting('app.system', true) = 'on' or tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
          with check (current_setting('app.system', true) = 'on' or tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
        grant select on identity.tenants to ${sql.id(APP_ROLE)};
        grant select, insert, update on identity.users to ${sql.id(APP_ROLE)};
        create table identity.refresh_tokens (
          id uuid primary key,
          family_id uuid not null,
          tenant_id uuid not null,
          user_id uuid not null,
          token_hash bytea not null unique,
          created_at timestamptz not null default now(),
          expires_at timestamptz not null,
          used_at timestamptz,
          revoked_at timestamptz
        );
        create index refresh_tokens_family on identity.refresh_tokens (family_id);
        create table identity.signing_keys (
          kid text primary key,
          seq bigserial unique,
          alg text not null,
          public_jwk jsonb not null,
          private_key bytea,
          created_at timestamptz not null default now(),
          activates_at timestamptz not null,
          retired_at timestamptz
        );
      `.execute(db);
    },
  },
};
