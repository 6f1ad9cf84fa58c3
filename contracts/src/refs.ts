import { type Static, type TSchema, type TUnsafe, Type } from '@sinclair/typebox';

/**
 * A `$ref` to a schema registered by `$id` (`app.addSchema(schema)`), typed
 * as the schema itself, so route handlers keep their inferred types and the
 * OpenAPI document lists the schema once under `components.schemas`.
 *
 * @example
 * app.addSchema(PocCreateRequest);
 * app.post('/v1/pocs', { schema: { body: ref(PocCreateRequest) } }, async (req) => req.body.name);
 */
export function ref<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
  if (!schema.$id) throw new Error('ref() needs a schema with an $id');
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id));
}
