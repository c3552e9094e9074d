/**
 * Runs the real helm against charts/converge for the chart tests. helm is required: without it these helpers
 * throw (the tests fail, they never skip); test/setup/install-helm.sh builds it into the tools cache.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../helpers/cli.js';
import { requireTool, toolsDir } from '../helpers/tools.js';
import type { Manifest } from './k8s-schema.js';

/** The helm version the chart is tested with (test/setup/install-helm.sh). */
export const HELM_VERSION = 'v3.16.2';

/** The chart's directory. */
export const chartDir = join(repoRoot, 'charts/converge');

/** Path of helm: the tools cache first, then PATH. Throws naming the install script when there is none. */
export function helmPath(): string {
  const onPath = (process.env['PATH'] ?? '').split(':').filter((d) => d !== '').map((d) => join(d, 'helm'));
  return requireTool('helm', [join(toolsDir, `helm-${HELM_VERSION}`, 'helm'), ...onPath], 'run test/setup/install-helm.sh');
}

/** What a helm run printed. */
export interface HelmResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs helm with `args` in the repository root; never rejects on a non-zero exit (see `code`). */
export function runHelm(args: readonly string[], options: { readonly env?: NodeJS.ProcessEnv } = {}): Promise<HelmResult> {
  const helm = helmPath();
  return new Promise((resolve, reject) => {
    execFile(helm, [...args], { cwd: repoRoot, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null && typeof err.code !== 'number') {
        reject(err);
        return;
      }
      resolve({ code: err === null ? 0 : Number(err.code), stdout, stderr });
    });
  });
}

/** Runs `fn` with a values file holding `values` (JSON is YAML), removed afterwards. */
export async function withValuesFile<T>(values: Record<string, unknown>, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'converge-chart-'));
  try {
    const path = join(dir, 'values.yaml');
    await writeFile(path, JSON.stringify(values));
    return await fn(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Options of {@link helmTemplate}. */
export interface TemplateOptions {
  /** Values on top of the chart's defaults. */
  readonly values?: Record<string, unknown>;
  /** Default `converge`. */
  readonly release?: string;
  /** Default `converge-system`. */
  readonly namespace?: string;
  /** Also render the chart's crds/ (`--include-crds`). */
  readonly includeCrds?: boolean;
}

/** `helm template` of the chart; the result carries helm's exit code and output, successful or not. */
export async function helmTemplate(options: TemplateOptions = {}): Promise<HelmResult> {
  return withValuesFile(options.values ?? {}, (valuesFile) =>
    runHelm([
      'template',
      options.release ?? 'converge',
      chartDir,
      '--namespace',
      options.namespace ?? 'converge-system',
      '--values',
      valuesFile,
      ...(options.includeCrds === true ? ['--include-crds'] : []),
    ]),
  );
}

/** Parses a multi-document YAML stream into its objects (empty documents dropped); throws on a YAML error. */
export function parseManifests(text: string): Manifest[] {
  const out: Manifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML from helm: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`a rendered document is not an object: ${JSON.stringify(value)}`);
    out.push(value as Manifest);
  }
  return out;
}

/** Renders the chart and returns its objects; throws with helm's stderr when rendering fails. */
export async function renderChart(options: TemplateOptions = {}): Promise<Manifest[]> {
  const result = await helmTemplate(options);
  if (result.code !== 0) throw new Error(`helm template failed (exit ${result.code}): ${result.stderr}`);
  return parseManifests(result.stdout);
}
