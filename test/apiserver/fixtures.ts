/** Builders for valid objects used across API tests. */
export const INSTANCES = '/apis/converge.io/v1alpha1/namespaces/default/instances';
export const ALL_INSTANCES = '/apis/converge.io/v1alpha1/instances';
export const PROVIDER_CONFIGS = '/apis/converge.io/v1alpha1/providerconfigs';

/** A minimal valid Instance named `name`, with optional labels and spec overrides. */
export function instance(
  name: string,
  options: { labels?: Record<string, string>; spec?: Record<string, unknown>; finalizers?: string[] } = {},
) {
  return {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'Instance',
    metadata: {
      name,
      ...(options.labels ? { labels: options.labels } : {}),
      ...(options.finalizers ? { finalizers: options.finalizers } : {}),
    },
    spec: { providerRef: { name: 'default' }, image: 'debian-12', vcpus: 1, memoryMiB: 512, ...options.spec },
  };
}
