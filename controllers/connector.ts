/**
 * Chooses the driver by the ProviderConfig's `spec.driver`. Only the SIMULATED cloud (`sim`) exists so far;
 * any other driver fails terminally with a message saying so (retrying cannot help until it is built).
 * Credentials resolved from `spec.credentialsSecretRef` are passed through to the chosen driver untouched.
 */
import type { KubeObject } from '../schemas/object.js';
import { TerminalError } from '../src/errors/index.js';
import { simConnector, type SimClouds, type SimKindSpec } from '../src/providers/sim/index.js';
import type { ExternalConnector, ProviderCredentials } from '../src/providers/types.js';

/** A connector dispatching on `spec.driver`: `sim` → the simulated cloud, anything else → TerminalError. */
export function driverConnector(clouds: SimClouds, sim: SimKindSpec): ExternalConnector {
  const simulated = simConnector(clouds, sim);
  return {
    async connect(providerConfig: KubeObject, signal: AbortSignal, credentials?: ProviderCredentials) {
      const driver = providerConfig.spec?.['driver'];
      if (driver === 'sim') return simulated.connect(providerConfig, signal, credentials);
      throw new TerminalError(`driver ${String(driver)} is not available yet`);
    },
  };
}
