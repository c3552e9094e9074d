/** Shared helpers of the IPAM tests: CIDR literals, a memory store with the in-process client, pools, and a gate that makes creates race. */
import { parseCidr, type Cidr } from '../../schemas/cidr.js';
import { ipAllocationType } from '../../schemas/ipallocation.js';
import type { KubeObject } from '../../schemas/object.js';
import { poolType } from '../../schemas/pool.js';
import { createInProcessClient } from '../../src/client/inprocess.js';
import type { ApiClient } from '../../src/client/types.js';
import { createRegistryContext } from '../../src/registry/index.js';
import { openBackend, type Backend } from '../../src/store/index.js';

/** Parses a CIDR literal of a test table; a typo fails the test loudly. */
export function c(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`bad CIDR in test table: ${text}: ${parsed.message}`);
  return parsed.value;
}

/** A fresh memory store, closed at teardown. */
export async function openStore(t: { teardown(fn: () => unknown): void }): Promise<Backend> {
  const backend = await openBackend('memory://');
  t.teardown(() => backend.close());
  return backend;
}

/** The in-process client over `backend`. */
export const clientOf = (backend: Backend): ApiClient => createInProcessClient({ registry: createRegistryContext({ backend }) });

/** Creates Pool `name` in `default`. */
export async function createPool(client: ApiClient, name: string, spec: { cidrs: string[]; reserved?: { start: string; end: string }[]; parentRef?: { name: string } }): Promise<KubeObject> {
  return client.create(poolType, { apiVersion: 'converge.io/v1alpha1', kind: 'Pool', metadata: { name, namespace: 'default' }, spec });
}

/** Delegates to `inner`, holding the first `parties` IPAllocation creates until all of them arrived. */
export function gateCreates(inner: ApiClient, gate: { parties: number; waiting: (() => void)[] }): ApiClient {
  return {
    get: (...a) => inner.get(...a),
    list: (...a) => inner.list(...a),
    watch: (...a) => inner.watch(...a),
    update: (...a) => inner.update(...a),
    patch: (...a) => inner.patch(...a),
    delete: (...a) => inner.delete(...a),
    async create(type, obj, options) {
      if (type.kind === ipAllocationType.kind && gate.parties > 0) {
        gate.parties--;
        const last = gate.parties === 0;
        await new Promise<void>((resolve) => {
          gate.waiting.push(resolve);
          if (last) for (const go of gate.waiting) go();
        });
      }
      return inner.create(type, obj, options);
    },
  };
}

