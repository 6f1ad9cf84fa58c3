// The service images, checked statically (no Docker engine here): multi-stage, production
// dependencies only, a non-root user matching the charts' runAsUser, the video worker with
// Chromium and fonts at the path the chart gives it.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chartDir } from '../testing/render.ts';

const repo = resolve(chartDir, '..', '..');
const IMAGES: Record<string, { dockerfile: string; pkg: string }> = {
  identity: { dockerfile: 'services/identity/Dockerfile', pkg: '@poc/identity' },
  pocs: { dockerfile: 'services/pocs/Dockerfile', pkg: '@poc/pocs' },
  query: { dockerfile: 'services/query/Dockerfile', pkg: '@poc/query' },
  dojo: { dockerfile: 'services/dojo/Dockerfile', pkg: '@poc/dojo' },
  reports: { dockerfile: 'services/reports/Dockerfile', pkg: '@poc/reports' },
  video: { dockerfile: 'services/video/Dockerfile', pkg: '@poc/video' },
  edge: { dockerfile: 'services/edge/Dockerfile', pkg: '@poc/edge' },
  projector: { dockerfile: 'projections/Dockerfile', pkg: '@poc/projections' },
};

interface Instruction {
  readonly op: string;
  readonly args: string;
}
interface Stage {
  readonly from: string;
  readonly name?: string;
  readonly instructions: Instruction[];
}

/** Dockerfile → stages of instructions (continuation lines joined, comments dropped). */
export function parseDockerfile(text: string): Stage[] {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of logical) {
    const [op = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args);
      stages.push({ from: m?.[1] ?? '', ...(m?.[2] ? { name: m[2] } : {}), instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

/** Violations of the image rules for one Dockerfile; empty when compliant. */
export function imageViolations(text: string, pkg: string, runAsUser: number): string[] {
  const v: string[] = [];
  const stages = parseDockerfile(text);
  if (stages.length < 2) v.push('not multi-stage');
  const final = stages.at(-1);
  if (!final) return ['no FROM'];
  const all = stages.flatMap((s) => s.instructions);
  const deploy = all.find((i) => i.op === 'RUN' && i.args.includes(`--filter ${pkg} deploy`));
  if (!deploy) v.push(`no pnpm deploy of ${pkg}`);
  else if (!deploy.args.includes('--prod')) v.push('pnpm deploy without --prod: dev dependencies would ship');
  const users = final.instructions.filter((i) => i.op === 'USER');
  const lastUser = users.at(-1)?.args.split(':')[0];
  if (!lastUser) v.push('final stage has no USER: it would run as root');
  else if (lastUser === 'root' || lastUser === '0') v.push('final stage runs as root');
  else if (Number(lastUser) !== runAsUser) v.push(`USER ${lastUser} differs from the charts' runAsUser ${runAsUser}`);
  for (const i of final.instructions) {
    if (i.op === 'COPY' && !i.args.startsWith('--from=')) v.push(`final stage copies from the build context: ${i.args}`);
    if (i.op === 'RUN' && /\b(pnpm|npm|yarn) (install|i|add)\b/.test(i.args)) v.push('final stage installs packages with a package manager');
  }
  const cmd = final.instructions.filter((i) => i.op === 'CMD').at(-1);
  if (!cmd || !cmd.args.startsWith('[') || !cmd.args.includes('src/server.ts') || !cmd.args.includes('tsx')) v.push('CMD must exec node with tsx on src/server.ts (exec form)');
  if (!final.instructions.some((i) => i.op === 'EXPOSE' && i.args.split(/\s+/).includes('8080'))) v.push('EXPOSE 8080 missing');
  return v;
}

const chartValues = (name: string) => parse(readFileSync(join(chartDir, 'charts', name, 'values.yaml'), 'utf8')) as { env?: Record<string, string> };
const RUN_AS_USER = Number(/runAsUser: (\d+)/.exec(readFileSync(join(chartDir, 'charts', 'poc-common', 'templates', '_workload.tpl'), 'utf8'))?.[1]);

describe('service Dockerfiles', () => {
  it('the charts run pods as a fixed non-root uid', () => {
    expect(RUN_AS_USER).toBeGreaterThan(0);
  });

  it.each(Object.entries(IMAGES))('%s: multi-stage, production dependencies only, non-root, exec-form tsx start', (_name, { dockerfile, pkg }) => {
    const path = join(repo, dockerfile);
    expect(existsSync(path), dockerfile).toBe(true);
    expect(imageViolations(readFileSync(path, 'utf8'), pkg, RUN_AS_USER)).toEqual([]);
  });

  it('video: Chromium and fonts in the runtime stage, at the VIDEO_BROWSER_EXECUTABLE the chart sets', () => {
    const final = parseDockerfile(readFileSync(join(repo, IMAGES.video!.dockerfile), 'utf8')).at(-1)!;
    const installs = final.instructions.filter((i) => i.op === 'RUN' && i.args.includes('apt-get install')).map((i) => i.args).join(' ');
    expect(installs).toMatch(/\bchromium-headless-shell\b/);
    expect(installs.match(/\bfonts-[a-z0-9-]+/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
    expect(installs).toContain('--no-install-recommends');
    const chromiumPath = chartValues('video').env?.VIDEO_BROWSER_EXECUTABLE;
    expect(chromiumPath).toBe('/usr/bin/chromium-headless-shell');
    expect(final.instructions.some((i) => i.op === 'ENV' && i.args.includes(`VIDEO_BROWSER_EXECUTABLE=${chromiumPath}`))).toBe(true);
  });

  it('the rules catch a root, single-stage image that ships dev dependencies', () => {
    const bad = 'FROM node:22\nWORKDIR /app\nCOPY . .\nRUN pnpm install\nRUN pnpm --filter @poc/pocs deploy /out\nCMD pnpm start\n';
    expect(imageViolations(bad, '@poc/pocs', RUN_AS_USER)).toEqual([
      'not multi-stage',
      'pnpm deploy without --prod: dev dependencies would ship',
      'final stage has no USER: it would run as root',
      'final stage copies from the build context: . .',
      'final stage installs packages with a package manager',
      'CMD must exec node with tsx on src/server.ts (exec form)',
      'EXPOSE 8080 missing',
    ]);
  });
});
