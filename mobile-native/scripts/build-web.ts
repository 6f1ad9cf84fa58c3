/**
 * The web build of the app, as the edge serves it: `expo export --platform web`
 * into `dist/`, then a `.br` and `.gz` twin of every text file (the edge sends
 * them to clients that accept them). Built in a temporary folder and swapped in
 * at the end, so a server reading `dist/` never sees half a build.
 *
 *   pnpm --filter @poc/mobile-native build:web              # always build
 *   pnpm --filter @poc/mobile-native build:web --if-stale   # only when the sources changed since the last build
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');
const INFO = 'build-info.json';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name.startsWith('.') ? [] : files(path);
    return [path];
  });
}

/** What the build depends on: the app's sources, its config and the lockfile. */
export function sourceFingerprint(): string {
  const hash = createHash('sha256');
  const inputs = [...files(join(root, 'src')), join(root, 'index.ts'), join(root, 'app.json'), join(root, 'package.json'), resolve(root, '../pnpm-lock.yaml')]
    .filter((f) => existsSync(f) && !/\.test\.tsx?$/.test(f))
    .sort();
  for (const file of inputs) hash.update(relative(root, file)).update('\0').update(readFileSync(file));
  return hash.digest('hex');
}

function isFresh(fingerprint: string): boolean {
  try {
    return JSON.parse(readFileSync(join(dist, INFO), 'utf8')).fingerprint === fingerprint && existsSync(join(dist, 'index.html'));
  } catch {
    return false;
  }
}

const fingerprint = sourceFingerprint();
if (process.argv.includes('--if-stale') && isFresh(fingerprint)) {
  console.log('[build:web] dist/ is up to date');
  process.exit(0);
}

const started = Date.now();
const tmp = join(root, 'node_modules', `.dist-build-${process.pid}`);
rmSync(tmp, { recursive: true, force: true });
console.log('[build:web] expo export --platform web ...');
const expo = spawnSync(process.execPath, [join(root, 'node_modules/expo/bin/cli'), 'export', '--platform', 'web', '--output-dir', tmp], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, CI: '1', EXPO_NO_TELEMETRY: '1', EXPO_OFFLINE: '1' },
});
if (expo.status !== 0) {
  rmSync(tmp, { recursive: true, force: true });
  console.error(`[build:web] expo export failed (${expo.status ?? expo.signal})`);
  process.exit(1);
}

let raw = 0;
let brotli = 0;
for (const file of files(tmp)) {
  if (!/\.(js|html|css|json|svg|map|txt|ttf)$/.test(file)) continue;
  const body = readFileSync(file);
  if (body.length < 1024) continue;
  const br = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
  writeFileSync(`${file}.br`, br);
  writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
  raw += body.length;
  brotli += br.length;
}
writeFileSync(join(tmp, INFO), JSON.stringify({ fingerprint, builtAt: new Date().toISOString() }, null, 2));

const old = join(root, 'node_modules', `.dist-old-${process.pid}`);
if (existsSync(dist)) renameSync(dist, old);
renameSync(tmp, dist);
rmSync(old, { recursive: true, force: true });
const total = files(dist).filter((f) => !/\.(br|gz)$/.test(f)).reduce((n, f) => n + statSync(f).size, 0);
console.log(`[build:web] dist/ ready in ${((Date.now() - started) / 1000).toFixed(0)} s: ${(total / 1024).toFixed(0)} KiB, text ${(raw / 1024).toFixed(0)} KiB → ${(brotli / 1024).toFixed(0)} KiB brotli`);
