/**
 * Renders the umbrella chart with the real helm (see helm.ts) and parses every document.
 *
 * @example
 *   const objects = renderChart({ valuesFiles: ['values-prod.yaml'] });
 *   objects.filter((o) => o.kind === 'Deployment');
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { ensureHelm } from './helm.ts';

export const chartDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'poc-tracker');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface RenderOptions {
  /** Values files relative to the chart directory, applied in order after values.yaml. */
  readonly valuesFiles?: readonly string[];
  /** --set overrides, e.g. { 'pocs.pdb.maxUnavailable': '2' }. */
  readonly set?: Readonly<Record<string, string>>;
  readonly releaseName?: string;
  readonly namespace?: string;
}

// Helm keeps caches and config under $HOME: give it a throwaway one so tests never depend on the machine.
const helmHome = mkdtempSync(join(tmpdir(), 'poc-helm-'));
const helmEnv = {
  ...process.env,
  HELM_CACHE_HOME: join(helmHome, 'cache'),
  HELM_CONFIG_HOME: join(helmHome, 'config'),
  HELM_DATA_HOME: join(helmHome, 'data'),
};

function helmArgs(options: RenderOptions): string[] {
  return [
    ...(options.valuesFiles ?? []).flatMap((f) => ['-f', join(chartDir, f)]),
    ...Object.entries(options.set ?? {}).flatMap(([k, v]) => ['--set', `${k}=${v}`]),
  ];
}

/** `helm template`, as text. Throws with helm's message when rendering fails. */
export function helmTemplate(options: RenderOptions = {}): string {
  return execFileSync(
    ensureHelm(),
    ['template', options.releaseName ?? 'poc', chartDir, '--namespace', options.namespace ?? 'poc', ...helmArgs(options)],
    { encoding: 'utf8', env: helmEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

/** `helm lint --strict`; throws (with helm's output) if the chart does not lint clean. */
export function helmLint(options: RenderOptions = {}): string {
  return execFileSync(ensureHelm(), ['lint', '--strict', chartDir, ...helmArgs(options)], { encoding: 'utf8', env: helmEnv, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Renders and parses: any YAML error in any document fails here. */
export function renderChart(options: RenderOptions = {}): K8sObject[] {
  const docs = parseAllDocuments(helmTemplate(options), { strict: true, uniqueKeys: true });
  const objects: K8sObject[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML from helm: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as K8sObject | null;
    if (value) objects.push(value);
  }
  return objects;
}
