import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { resourceTypeForObject, resourceTypes } from '../../schemas/index.js';
import { validateObject } from '../../schemas/validate-object.js';

const dir = fileURLToPath(new URL('../../examples/', import.meta.url));
// examples/ and its folders (examples/s3/, examples/libvirt/, …): every manifest shown to users must be valid.
const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.ya?ml$/.test(f)).sort();

t.test('every Converge object in examples/ and its folders validates', async (t) => {
  t.ok(files.length > 0, 'examples/ has YAML files');
  const kindsSeen = new Set<string>();
  for (const file of files) {
    const docs = parseAllDocuments(readFileSync(`${dir}${file}`, 'utf8'));
    for (const [i, doc] of docs.entries()) {
      t.strictSame(doc.errors.map(String), [], `${file}#${i} parses`);
      const obj: unknown = doc.toJS();
      if (typeof obj !== 'object' || obj === null) continue;
      const { apiVersion, kind } = obj as { apiVersion?: unknown; kind?: unknown };
      if (typeof apiVersion !== 'string' || !apiVersion.startsWith('converge.io/')) continue;
      const type = resourceTypeForObject(apiVersion, String(kind));
      if (type === undefined) {
        t.fail(`${file}#${i}: unknown kind ${String(kind)} in ${apiVersion}`);
        continue;
      }
      kindsSeen.add(type.kind);
      const r = validateObject(type, obj);
      t.ok(r.ok, `${file}#${i} ${type.kind}: ${r.ok ? 'valid' : JSON.stringify(r.causes)}`);
    }
  }
  // IPAllocations are made by the IPAM allocator, never by hand: an example would invite users to apply fake ones.
  const userKinds = resourceTypes.map((r) => r.kind).filter((k) => k !== 'IPAllocation');
  t.same([...kindsSeen].sort(), userKinds.sort(), 'every kind users write has an example');
});

t.test('the default ProviderConfig example uses the sim driver', async (t) => {
  const doc: unknown = parseAllDocuments(readFileSync(`${dir}providerconfig-default.yaml`, 'utf8'))[0]?.toJS();
  t.match(doc, { kind: 'ProviderConfig', metadata: { name: 'default' }, spec: { driver: 'sim' } });
});
