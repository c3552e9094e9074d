import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { openBackend } from '../../src/store/index.js';
import { runConformance } from './conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'converge-sqlite-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

runConformance(t, 'sqlite', () => openBackend(`sqlite://${join(dir, `db${++n}`, 'state.db')}`));
