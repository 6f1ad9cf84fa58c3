import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's Prometheus registry: register service metrics here, never on the global one. */
    metrics: Registry;
  }
}

/** `GET /metrics` in Prometheus text format, default process metrics and HTTP RED metrics. */
export const metricsPlugin = fp<{ service: string }>(
  async (app, opts) => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: opts.service });
    collectDefaultMetrics({ register: registry });
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    const total = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    });
    app.decorate('metrics', registry);
    // The labelled series of each (method, route, status), looked up once: prom-client would
    // otherwise sort and hash the label object on every observation.
    const series = new Map<string, { duration: ReturnType<typeof duration.labels>; total: ReturnType<typeof total.labels> }>();
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      if (route !== '/metrics') {
        const key = `${request.method} ${reply.statusCode} ${route}`;
        let s = series.get(key);
        if (!s) {
          const labels = { method: request.method, route, status: String(reply.statusCode) };
          s = { duration: duration.labels(labels), total: total.labels(labels) };
          series.set(key, s);
        }
        s.duration.observe(reply.elapsedTime / 1000);
        s.total.inc();
      }
      done();
    });
    app.get('/metrics', { schema: { hide: true }, logLevel: 'warn' }, async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    });
  },
  { name: '@poc/metrics' },
);
