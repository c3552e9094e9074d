/**
 * The encrypting Backend decorator is a Backend: it passes the same conformance suite as sqlite, etcd and
 * memory (revisions, compare-and-swap, range pagination, ordered watches with previous values, compaction),
 * here with every key encrypted, so no store semantics change when Secrets are encrypted.
 */
import t from 'tap';
import { aesGcmTransformer, EncryptingBackend, newKey } from '../../src/store/encryption/index.js';
import { openBackend } from '../../src/store/index.js';
import { runConformance } from '../store/conformance.js';

runConformance(t, 'encrypting(memory)', async () => {
  const inner = await openBackend('memory://');
  // The empty prefix covers every key the suite writes.
  return new EncryptingBackend({ inner, transformer: aesGcmTransformer([newKey()]), prefixes: [''] });
});
