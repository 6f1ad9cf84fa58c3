/** Write `contracts/schemas/**` from the TypeBox source: `pnpm --filter @poc/contracts schemas`. */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { jsonSchemaFiles } from './json-schema.ts';

const root = resolve(import.meta.dirname, '..', 'schemas');
const files = jsonSchemaFiles();
const listed = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listed(join(dir, e.name)) : [join(dir, e.name)]));

mkdirSync(root, { recursive: true });
for (const stale of listed(root)) if (!(relative(root, stale) in files)) rmSync(stale);
for (const [path, content] of Object.entries(files)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}
console.log(`wrote ${Object.keys(files).length} JSON Schema files to ${relative(process.cwd(), root) || '.'}`);
