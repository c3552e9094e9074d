/**
 * The `sim` driver: connectors for Instance, Volume, Bucket and Network over a SIMULATED in-process cloud
 * (one {@link SimCloud} per ProviderConfig name). ProviderConfig `spec.options` may set `latencyMs` and
 * `failureRate` (0..1).
 */
import type { KubeObject } from '../../../schemas/object.js';
import type { ExternalConnector } from '../types.js';
import { SimClouds, type SimCloud } from './cloud.js';
import { simClient, type SimKindSpec } from './driver.js';
import { simBucket, simInstance, simNetwork, simVolume } from './kinds.js';

export { SimCloud, SimClouds, SimKind, SimOperation, type SimCloudOptions, type SimRecord, type ScriptedFailure } from './cloud.js';
export { simClient, diffRecord, refOf, type SimField, type SimKindSpec } from './driver.js';
export { simBucket, simInstance, simNetwork, simVolume } from './kinds.js';
export { MemorySimState, type SimState } from './state.js';
export { SqliteSimState } from './sqlite-state.js';

/** The sim kind spec of each managed kind, by `kind`. */
export const simKinds: Readonly<Record<string, SimKindSpec>> = {
  Instance: simInstance,
  Volume: simVolume,
  Bucket: simBucket,
  Network: simNetwork,
};

function numberOption(pc: KubeObject, key: string): number | undefined {
  const options = pc.spec?.['options'];
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return undefined;
  const raw = options[key];
  if (typeof raw !== 'string') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Applies a ProviderConfig's sim options (when set) to its cloud. */
export function configureSimCloud(cloud: SimCloud, providerConfig: KubeObject): void {
  const latencyMs = numberOption(providerConfig, 'latencyMs');
  const failureRate = numberOption(providerConfig, 'failureRate');
  cloud.configure({ ...(latencyMs !== undefined ? { latencyMs } : {}), ...(failureRate !== undefined ? { failureRate: Math.min(1, failureRate) } : {}) });
}

/** A connector for one kind whose clients act on the cloud of the ProviderConfig they connect with. */
export function simConnector(clouds: SimClouds, spec: SimKindSpec): ExternalConnector {
  return {
    async connect(providerConfig) {
      const cloud = clouds.get(providerConfig.metadata.name);
      configureSimCloud(cloud, providerConfig);
      return simClient(spec, cloud);
    },
  };
}
