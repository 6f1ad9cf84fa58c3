import type { FastifyBaseLogger } from 'fastify';

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, unknown>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  servers?: { url: string }[];
  'x-unavailable'?: string[];
}

/**
 * Merge the OpenAPI documents each service generates from its route schemas
 * into the one public document. A service that does not answer is listed in
 * `x-unavailable` instead of failing the whole document.
 */
export async function mergedOpenApi(upstreams: Record<string, string>, log: FastifyBaseLogger): Promise<OpenApiDocument> {
  const merged: OpenApiDocument = {
    openapi: '3.1.0',
    info: { title: 'POC Tracker API', version: '1.0.0', description: 'The public HTTP API of POC Tracker, version 1.' },
    paths: {},
    components: { schemas: {}, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
  };
  const unavailable: string[] = [];
  await Promise.all(
    Object.entries(upstreams).map(async ([name, base]) => {
      try {
        const res = await fetch(`${base}/openapi.json`, { signal: AbortSignal.timeout(2_000) });
        if (!res.ok) throw new Error(`status ${res.status}`);
        const doc = (await res.json()) as Partial<OpenApiDocument>;
        for (const [path, item] of Object.entries(doc.paths ?? {})) {
          merged.paths[path] = { ...(merged.paths[path] as object | undefined), ...(item as object) };
        }
        Object.assign(merged.components.schemas, doc.components?.schemas ?? {});
      } catch (error) {
        log.warn({ upstream: name, err: error }, 'could not fetch an upstream OpenAPI document');
        unavailable.push(name);
      }
    }),
  );
  if (unavailable.length > 0) merged['x-unavailable'] = unavailable.sort();
  merged.paths = Object.fromEntries(Object.entries(merged.paths).sort(([a], [b]) => a.localeCompare(b)));
  return merged;
}
