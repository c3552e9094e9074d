import t from 'tap';
import { openBackend } from '../../src/store/index.js';
import { runConformance } from './conformance.js';

runConformance(t, 'memory', () => openBackend('memory://'));
