import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError, PLATFORM_ERR, ValidationError } from '../errors.ts';

/** The RFC 9457 body every error answer carries. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function typeUri(code: string): string {
  return `https://poc-tracker.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`;
}

export function problem(status: number, code: string, detail: string, instance: string, errors?: FieldError[]): Problem {
  return {
    type: typeUri(code),
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    instance,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/** Turn Ajv errors of Fastify's validation into `{ path, message }` per bad field. */
function fieldErrors(error: FastifyError): FieldError[] {
  const context = error.validationContext ?? 'body';
  return (error.validation ?? []).map((v) => {
    const params = v.params as Record<string, unknown>;
    let path = v.instancePath ?? '';
    if (typeof params.missingProperty === 'string') path = `${path}/${params.missingProperty}`;
    if (typeof params.additionalProperty === 'string') path = `${path}/${params.additionalProperty}`;
    const dotted = path.replace(/^\//, '').replace(/\//g, '.');
    const message =
      typeof params.additionalProperty === 'string' ? 'is not an allowed property' : (v.message ?? 'is invalid');
    return { path: dotted ? `${context}.${dotted}` : context, message };
  });
}

function send(reply: FastifyReply, body: Problem, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(body.status).headers(headers).type(PROBLEM_CONTENT_TYPE).send(body);
}

/**
 * One error handler for the whole app: domain errors, Fastify's own errors
 * (validation, body size, media type, malformed JSON, rate limit) and unknown
 * errors (logged; answered as a bare 500 with no stack trace).
 */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const instance = request.url;
    if (error instanceof ValidationError) {
      return send(reply, problem(400, error.code, error.message, instance, [...error.errors]));
    }
    if (error instanceof AppError) {
      if (error.status >= 500) request.log.error({ err: error }, 'service error');
      return send(reply, problem(error.status, error.code, error.message, instance), error.headers);
    }
    if (error.validation) {
      const errors = fieldErrors(error);
      const detail = `The request is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`;
      return send(reply, problem(400, PLATFORM_ERR.VALIDATION, detail, instance, errors));
    }
    const status = error.statusCode ?? 500;
    if (status === 429) {
      const headers: Record<string, string> = {};
      const retry = reply.getHeader('retry-after');
      if (retry !== undefined) headers['retry-after'] = String(retry);
      return send(reply, problem(429, PLATFORM_ERR.RATE_LIMITED, 'Too many requests; retry later.', instance), headers);
    }
    if (status === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return send(reply, problem(413, PLATFORM_ERR.BODY_TOO_LARGE, 'The request body is larger than allowed.', instance));
    }
    if (status === 415 || error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return send(reply, problem(415, PLATFORM_ERR.MEDIA_TYPE, `Unsupported media type: ${request.headers['content-type'] ?? 'none'}`, instance));
    }
    if (status >= 400 && status < 500) {
      // Fastify's own client errors (malformed JSON, empty body, bad content length...): the message is safe.
      return send(reply, problem(status, PLATFORM_ERR.MALFORMED_BODY, error.message, instance));
    }
    request.log.error({ err: error }, 'unhandled error');
    return send(reply, problem(500, PLATFORM_ERR.INTERNAL, 'An unexpected error occurred.', instance));
  });

  app.setNotFoundHandler((request, reply) =>
    send(reply, problem(404, PLATFORM_ERR.NOT_FOUND, `No route for ${request.method} ${request.url.split('?')[0]}`, request.url)),
  );
}
