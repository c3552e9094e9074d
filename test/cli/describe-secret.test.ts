import t from 'tap';
import type { KubeObject } from '../../schemas/object.js';
import { describeObject } from '../../src/cli/commands/describe.js';

t.test('describe shows a Secret\'s type and key sizes, never its values', async (t) => {
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's3-creds', namespace: 'converge-system', creationTimestamp: '2026-11-22T00:00:00Z' },
    type: 'Opaque',
    data: { secretKey: Buffer.from('hunter2-hunter2').toString('base64'), accessKey: Buffer.from('AKIA').toString('base64') },
  } as unknown as KubeObject;
  const text = describeObject(secret);
  t.match(text, /Type:\s+Opaque\nData:\n  accessKey: 4 bytes\n  secretKey: 15 bytes\n$/);
  t.notMatch(text, /hunter2|QUtJQQ|aHVudGVy/, 'no value, plain or base64');
  t.notMatch(text, /Spec:/);
});
