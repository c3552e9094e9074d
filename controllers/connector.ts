/**
 * Chooses the driver by the ProviderConfig's `spec.driver`: `sim` → the SIMULATED cloud; `s3` and `libvirt` →
 * the driver the kind passes in `options` (s3: Buckets; libvirt: Instances, Volumes, Networks), else a
 * TerminalError saying which kinds that driver manages; any other driver fails terminally with a message
 * saying it is not available yet (retrying cannot help until it is built). Credentials resolved from
 * `spec.credentialsSecretRef` are passed through to the chosen driver untouched.
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
  /** The libvirt driver of this kind (Instances, Volumes, Networks). */
  readonly libvirt?: ExternalConnector;
}

/** What each real driver manages, for the message when a kind has no implementation in it. */
const MANAGES: Record<string, string> = { [Driver.S3]: 'Buckets only', [Driver.Libvirt]: 'Instances, Volumes and Networks' };

/** A connector dispatching on `spec.driver`; see the module comment. */
export function driverConnector(clouds: SimClouds, sim: SimKindSpec, options: DriverOptions = {}): ExternalConnector {
  const simulated = simConnector(clouds, sim);
  return {
    async connect(providerConfig: KubeObject, signal: AbortSignal, credentials?: ProviderCredentials) {
      const driver = providerConfig.spec?.['driver'];
      if (driver === Driver.Sim) return simulated.connect(providerConfig, signal, credentials);
      if (driver === Driver.S3 || driver === Driver.Libvirt) {
        const real = driver === Driver.S3 ? options.s3 : options.libvirt;
        if (real === undefined) {
          throw new TerminalError(`driver ${driver} manages ${MANAGES[driver] ?? 'other kinds'}: ProviderConfig "${providerConfig.metadata.name}" cannot serve a ${sim.kind}`);
        }
        return real.connect(providerConfig, signal, credentials);
      }
      throw new TerminalError(`driver ${String(driver)} is not available yet`);
    },
  };
}
