/**
 * Backends register under a URL scheme (`memory`, `sqlite`, `etcd`, …) and are opened by URL, as kine's
 * driver registry does. URLs stay text because `etcd://h1:2379,h2:2379` is not a valid WHATWG URL.
 */
import { BadRequestError } from '../errors/index.js';
import type { Backend, BackendFactory, BackendOptions } from './types.js';

const factories = new Map<string, BackendFactory>();

/** Registers (or replaces) the factory for `scheme` (lower-case, without `://`). */
export function registerBackend(scheme: string, factory: BackendFactory): void {
  factories.set(scheme.toLowerCase(), factory);
}

/** Schemes that can be opened, sorted. */
export function backendSchemes(): string[] {
  return [...factories.keys()].sort();
}

/** The scheme of a store URL (`sqlite:///x.db` → `sqlite`), or undefined when it has none. */
export function schemeOf(url: string): string | undefined {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url);
  return match?.[1]?.toLowerCase();
}

/**
 * Opens the backend a URL names. Throws {@link BadRequestError} naming the scheme and the supported ones
 * when no backend is registered for it; the factory's own errors (e.g. `UnavailableError`) pass through.
 */
export async function openBackend(url: string, options: BackendOptions = {}): Promise<Backend> {
  const scheme = schemeOf(url);
  const supported = backendSchemes().map((s) => `${s}://`).join(', ');
  if (scheme === undefined) {
    throw new BadRequestError(`store URL ${JSON.stringify(url)} has no scheme; supported: ${supported}`);
  }
  const factory = factories.get(scheme);
  if (factory === undefined) {
    throw new BadRequestError(`unsupported store scheme "${scheme}://" in ${JSON.stringify(url)}; supported: ${supported}`);
  }
  return factory(url, options);
}
