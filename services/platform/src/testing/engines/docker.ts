import { existsSync } from 'node:fs';
import { request } from 'node:http';

let answer: Promise<boolean> | undefined;

/**
 * True when a Docker engine answers `/_ping` (DOCKER_HOST or the default
 * socket) within a second and a half. `POC_ENGINES_DOCKER=0` skips Docker.
 */
export function dockerAnswers(): Promise<boolean> {
  answer ??= (async () => {
    if (process.env.POC_ENGINES_DOCKER === '0') return false;
    const host = process.env.DOCKER_HOST;
    const options = host?.startsWith('tcp://')
      ? (() => {
          const url = new URL(host.replace('tcp://', 'http://'));
          return { hostname: url.hostname, port: Number(url.port || 2375) };
        })()
      : { socketPath: host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock' };
    if ('socketPath' in options && !existsSync(options.socketPath)) return false;
    return new Promise<boolean>((resolve) => {
      const req = request({ ...options, path: '/_ping', method: 'GET', timeout: 1_500 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.once('timeout', () => {
        req.destroy();
        resolve(false);
      });
      req.once('error', () => resolve(false));
      req.end();
    });
  })();
  return answer;
}

/** The host that published container ports are reached on. */
export function dockerHost(): string {
  if (process.env.TESTCONTAINERS_HOST_OVERRIDE) return process.env.TESTCONTAINERS_HOST_OVERRIDE;
  const host = process.env.DOCKER_HOST;
  return host?.startsWith('tcp://') ? new URL(host.replace('tcp://', 'http://')).hostname : 'localhost';
}

/** testcontainers, loaded only when a Docker engine answers (it is heavy and needs none otherwise). */
export async function testcontainers(): Promise<typeof import('testcontainers')> {
  return import('testcontainers');
}
