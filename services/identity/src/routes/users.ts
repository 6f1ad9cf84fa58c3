import { type App, principalOf } from '@poc/platform';
import { type Identity, causality } from '../context.ts';
import { CreateUserBody, ListQuery, Me, RolesBody, User, UserPage, UserParams } from '../schemas.ts';
import { changeRoles, createUser, getUser, listUsers, me } from '../users/users.ts';

export function userRoutes(identity: Identity) {
  return async (app: App) => {
    const security = [{ bearer: [] }];
    const admins = [app.authenticate, app.requireRoles('owner', 'admin')];
    app.get(
      '/me',
      { onRequest: [app.authenticate], schema: { tags: ['identity'], summary: 'The caller and their tenant', security, response: { 200: Me } } },
      async (request) => me(identity, principalOf(request)),
    );
    app.post(
      '/users',
      { onRequest: admins, schema: { tags: ['identity'], summary: 'Add a user to the tenant (owner/admin)', security, body: CreateUserBody, response: { 201: User } } },
      async (request, reply) => reply.code(201).send(await createUser(identity, principalOf(request), request.body, causality(request))),
    );
    app.get(
      '/users',
      { onRequest: admins, schema: { tags: ['identity'], summary: "The tenant's users (owner/admin)", security, querystring: ListQuery, response: { 200: UserPage } } },
      async (request) => listUsers(identity, principalOf(request), request.query),
    );
    app.get(
      '/users/:id',
      { onRequest: admins, schema: { tags: ['identity'], summary: 'One user of the tenant (owner/admin)', security, params: UserParams, response: { 200: User } } },
      async (request) => getUser(identity, principalOf(request), request.params.id),
    );
    app.put(
      '/users/:id/roles',
      {
        onRequest: admins,
        schema: { tags: ['identity'], summary: "Replace a user's roles (owner/admin; the owner role by an owner only)", security, params: UserParams, body: RolesBody, response: { 200: User } },
      },
      async (request) => changeRoles(identity, principalOf(request), request.params.id, request.body.roles, causality(request)),
    );
  };
}
