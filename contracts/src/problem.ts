import { type Static, Type } from '@sinclair/typebox';

/**
 * The error body of every answer 4xx/5xx: RFC 9457 problem+json
 * (`Content-Type: application/problem+json`), plus a stable machine `code`
 * (`POC_ERR_…`, never reused) and, for bad input, one entry per bad field.
 *
 * @example
 * { "type": "https://poc-tracker.dev/problems/platform-err-validation", "title": "Bad Request", "status": 400,
 *   "detail": "The request is invalid: body.name must NOT have fewer than 1 characters", "instance": "/v1/pocs",
 *   "code": "PLATFORM_ERR_VALIDATION", "errors": [{ "path": "body.name", "message": "must NOT have fewer than 1 characters" }] }
 */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'a URI naming the problem type' }),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String(),
    instance: Type.String({ description: 'the request path' }),
    code: Type.String({ pattern: '^[A-Z]+_ERR_[A-Z0-9_]+$' }),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          /** Where: `body.name`, `body.tags.2`, `params.id`, `headers.if-match`. */
          path: Type.String(),
          message: Type.String(),
        }),
      ),
    ),
  },
  { $id: 'Problem', title: 'Problem (RFC 9457)' },
);
export type Problem = Static<typeof Problem>;

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';
