/** Converge's own version, from package.json at build time. */
export const CONVERGE_VERSION = '0.1.0';

/**
 * `/version` in kube-apiserver's shape. The Kubernetes minor it claims is the API level Converge implements,
 * chosen so current kubectl (1.29–1.33) does not warn about version skew.
 */
export function serverVersion() {
  return {
    major: '1',
    minor: '31',
    gitVersion: `v1.31.0+converge-${CONVERGE_VERSION}`,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '2026-11-21T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'tsc',
    platform: `${process.platform}/${process.arch}`,
  };
}
