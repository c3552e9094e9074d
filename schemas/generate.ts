/**
 * `npm run gen`: writes the CRDs to `manifests/crds/` from the zod schemas and removes CRD files of
 * kinds that no longer exist, so the checked-in manifests always equal {@link renderCrds}' output.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCrds } from './crd.js';
import { resourceTypes } from './index.js';

const outDir = fileURLToPath(new URL('../manifests/crds/', import.meta.url));
mkdirSync(outDir, { recursive: true });
const files = renderCrds(resourceTypes);
for (const [name, text] of files) writeFileSync(join(outDir, name), text);
for (const name of readdirSync(outDir)) {
  if (name.endsWith('.converge.io.yaml') && !files.has(name)) rmSync(join(outDir, name));
}
process.stdout.write(`wrote ${files.size} CRDs to ${outDir}\n`);
