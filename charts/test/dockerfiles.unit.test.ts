// The service images, checked statically (no Docker engine here): one Dockerfile at the root
// builds each with its build arguments; each image is multi-stage, production dependencies only,
// a non-root user matching the charts' runAsUser, the video worker with Chromium and fonts at the
// path the chart gives it.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chartDir } from '../testing/render.ts';

const repo = resolve(chartDir, '..', '..');
const DOCKERFILE = 'Dockerfile';
/** Each image: the build arguments it is built with (docker-compose.yml and docs/deploy.md pass the same). */
export const IMAGES: Record<string, Record<string, string>> = {
  identity: { PACKAGE: '@poc/identity' },
  pocs: { PACKAGE: '@poc/pocs' },
  query: { PACKAGE: '@poc/query' },
  dojo: { PACKAGE: '@poc/dojo' },
  reports: { PACKAGE: '@poc/reports' },
  video: { PACKAGE: '@poc/video', OS: 'os-video' },
  edge: { PACKAGE: '@poc/edge' },
  projector: { PACKAGE: '@poc/projections' },
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

/**
 * Dockerfile → stages of instructions (continuation lines joined, comments dropped), with the
 * build arguments substituted: `args` over the defaults of the ARGs before the first FROM, and
 * within a stage over its own ARG defaults.
 */
export function parseDockerfile(text: string, args: Record<string, string> = {}): Stage[] {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const global: Record<string, string> = {};
  let scope: Record<string, string> = {};
  const expand = (value: string, vars: Record<string, string>) =>
    value.replace(/\$(?:\{(\w+)\}|(\w+))/g, (whole, a: string | undefined, b: string | undefined) => vars[(a ?? b)!] ?? whole);
  const stages: Stage[] = [];
  for (const line of logical) {
    const [op = '', ...rest] = line.split(/\s+/);
    const args_ = rest.join(' ');
    const upper = op.toUpperCase();
    if (upper === 'ARG') {
      const [name = '', value] = args_.split('=', 2);
      const vars = stages.length === 0 ? global : scope;
      vars[name] = args[name] ?? value ?? global[name] ?? '';
      continue;
    }
    if (upper === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args_);
      stages.push({ from: expand(m?.[1] ?? '', global), ...(m?.[2] ? { name: m[2] } : {}), instructions: [] });
      scope = {};
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push({ op: upper, args: expand(args_, scope) });
    }
  }
  return stages;
}

/** The stages an image is made of, its base first: the last stage and the stages it is FROM, in turn. */
export function imageChain(stages: Stage[]): Stage[] {
  const chain: Stage[] = [];
  for (let stage = stages.at(-1); stage; stage = stages.find((s) => s.name === stage!.from)) chain.unshift(stage);
  return chain;
}

/** Violations of the image rules for one Dockerfile; empty when compliant. */
export function imageViolations(text: string, args: Record<string, string>, runAsUser: number): string[] {
  const v: string[] = [];
  const pkg = args.PACKAGE ?? '';
  const stages = parseDockerfile(text, args);
  if (stages.length < 2) v.push('not multi-stage');
  if (stages.length === 0) return ['no FROM'];
  // The image's own layers: the last stage and the stages it builds on (not the build stages).
  const final = { instructions: imageChain(stages).flatMap((s) => s.instructions) };
  const all = stages.flatMap((s) => s.instructions);
  const deploy = all.find((i) => i.op === 'RUN' && (i.args.includes(`--filter ${pkg} deploy`) || i.args.includes(`--filter "${pkg}" deploy`)));
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

  it.each(Object.entries(IMAGES))('%s: multi-stage, production dependencies only, non-root, exec-form tsx start', (_name, args) => {
    const path = join(repo, DOCKERFILE);
    expect(existsSync(path), DOCKERFILE).toBe(true);
    expect(imageViolations(readFileSync(path, 'utf8'), args, RUN_AS_USER)).toEqual([]);
  });

  it('video: Chromium and fonts in the runtime image, at the VIDEO_BROWSER_EXECUTABLE the chart sets; the other images without them', () => {
    const text = readFileSync(join(repo, DOCKERFILE), 'utf8');
    const final = { instructions: imageChain(parseDockerfile(text, IMAGES.video)).flatMap((s) => s.instructions) };
    const installs = final.instructions.filter((i) => i.op === 'RUN' && i.args.includes('apt-get install')).map((i) => i.args).join(' ');
    expect(installs).toMatch(/\bchromium-headless-shell\b/);
    expect(installs.match(/\bfonts-[a-z0-9-]+/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
    expect(installs).toContain('--no-install-recommends');
    const chromiumPath = chartValues('video').env?.VIDEO_BROWSER_EXECUTABLE;
    expect(chromiumPath).toBe('/usr/bin/chromium-headless-shell');
    expect(final.instructions.some((i) => i.op === 'ENV' && i.args.includes(`VIDEO_BROWSER_EXECUTABLE=${chromiumPath}`))).toBe(true);
    const pocs = imageChain(parseDockerfile(text, IMAGES.pocs)).flatMap((s) => s.instructions);
    expect(pocs.some((i) => i.args.includes('chromium'))).toBe(false);
  });

  it('the rules catch a root, single-stage image that ships dev dependencies', () => {
    const bad = 'FROM node:22\nWORKDIR /app\nCOPY . .\nRUN pnpm install\nRUN pnpm --filter @poc/pocs deploy /out\nCMD pnpm start\n';
    expect(imageViolations(bad, { PACKAGE: '@poc/pocs' }, RUN_AS_USER)).toEqual([
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
