/**
 * Chooses the driver by the ProviderConfig's `spec.driver`: `sim` → the SIMULATED cloud; `s3` → the driver
 * the kind passes as `options.s3` (only Buckets have one), else a TerminalError saying that driver s3 manages
 * Buckets only; any other driver fails terminally with a message saying it is not available yet (retrying
 * cannot help until it is built). Credentials resolved from `spec.credentialsSecretRef` are passed through to
 * the chosen driver untouched.
 */
import type { KubeObject } from '../schemas/object.js';
import { Driver } from '../schemas/providerconfig.js';
import { TerminalError } from '../src/errors/index.js';
import { simConnector, type SimClouds, type SimKindSpec } from '../src/providers/sim/index.js';
import type { ExternalConnector, ProviderCredentials } from '../src/providers/types.js';

/** Real drivers a kind supports beside the simulated cloud. */
export interface DriverOptions {
  /** The s3 driver of this kind (Buckets). */
  readonly s3?: ExternalConnector;
}

/** A connector dispatching on `spec.driver`; see the module comment. */
export function driverConnector(clouds: SimClouds, sim: SimKindSpec, options: DriverOptions = {}): ExternalConnector {
  const simulated = simConnector(clouds, sim);
  return {
    async connect(providerConfig: KubeObject, signal: AbortSignal, credentials?: ProviderCredentials) {
      const driver = providerConfig.spec?.['driver'];
      if (driver === Driver.Sim) return simulated.connect(providerConfig, signal, credentials);
      if (driver === Driver.S3) {
        if (options.s3 === undefined) {
          throw new TerminalError(`driver s3 manages Buckets only: ProviderConfig "${providerConfig.metadata.name}" cannot serve a ${sim.kind}`);
        }
        return options.s3.connect(providerConfig, signal, credentials);
      }
      throw new TerminalError(`driver ${String(driver)} is not available yet`);
    },
  };
}
