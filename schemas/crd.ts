/**
 * CustomResourceDefinitions (apiextensions.k8s.io/v1) for the Converge kinds, so the same controllers
 * can run against a real Kubernetes API server. Pure: {@link renderCrds} returns file contents and
 * `schemas/generate.ts` writes them; a test compares them with the checked-in `manifests/crds/`.
 */
import { stringify } from 'yaml';
import type { JsonObject } from './object.js';
import type { ResourceType } from './types.js';
import { isJsonObject, SchemaDialect, zodToOpenApi } from '../src/openapi/jsonschema.js';
import { structuralProblems } from '../src/openapi/structural.js';

/** Column Kubernetes and Converge append to every kind's printer columns. */
export const AGE_COLUMN = { name: 'AGE', type: 'date', jsonPath: '.metadata.creationTimestamp' } as const;

/** Thrown when a kind's schema would make an invalid CRD (a bug in `schemas/`). */
export class CrdGenerationError extends Error {
  constructor(kind: string, problems: readonly string[]) {
    super(`CRD for ${kind} is not a structural schema:\n  ${problems.join('\n  ')}`);
    this.name = 'CrdGenerationError';
  }
}

function addRule(node: JsonObject, rule: string, message: string): void {
  const existing = node['x-kubernetes-validations'];
  node['x-kubernetes-validations'] = [...(Array.isArray(existing) ? existing : []), { rule, message }];
}

/**
 * Adds CEL transition rules for `type.immutableFields`, so a Kubernetes API server enforces the same
 * immutability our own server checks with `checkUpdate`.
 */
function addImmutabilityRules(spec: JsonObject, type: ResourceType): void {
  for (const field of type.immutableFields) {
    const segments = field.split('.').slice(1);
    let parent: JsonObject = spec;
    for (const [i, seg] of segments.entries()) {
      const props = parent.properties;
      const node = isJsonObject(props) ? props[seg] : undefined;
      if (!isJsonObject(node)) throw new CrdGenerationError(type.kind, [`immutable field ${field} is not in the spec schema`]);
      if (i === segments.length - 1) {
        addRule(node, 'self == oldSelf', 'field is immutable');
        const required = Array.isArray(parent.required) ? parent.required : [];
        // Transition rules only run when both values exist; setting or clearing is checked one level up.
        if (!required.includes(seg)) addRule(parent, `has(self.${seg}) == has(oldSelf.${seg})`, `${field} is immutable`);
      }
      parent = node;
    }
  }
}

/** The `openAPIV3Schema` of `type`: a structural schema with apiVersion, kind, metadata, spec, status. */
export function crdSchema(type: ResourceType): JsonObject {
  const spec = zodToOpenApi(type.spec, SchemaDialect.Crd);
  addImmutabilityRules(spec, type);
  const schema: JsonObject = {
    description: type.description,
    type: 'object',
    required: ['spec'],
    properties: {
      apiVersion: { description: `API version of the object: ${type.group}/${type.version}.`, type: 'string' },
      kind: { description: `Kind of the object: ${type.kind}.`, type: 'string' },
      metadata: { type: 'object' },
      spec,
      status: zodToOpenApi(type.status, SchemaDialect.Crd),
    },
  };
  const problems = structuralProblems(schema);
  if (problems.length > 0) throw new CrdGenerationError(type.kind, problems);
  return schema;
}

/** The CRD object for `type`. */
export function buildCrd(type: ResourceType): JsonObject {
  const columns: JsonObject[] = [...type.printerColumns, AGE_COLUMN].map((c) => {
    const col: JsonObject = { name: c.name, type: c.type, jsonPath: c.jsonPath };
    if ('description' in c && c.description !== undefined) col.description = c.description;
    if ('priority' in c && c.priority === 1) col.priority = 1;
    return col;
  });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${type.plural}.${type.group}`,
      labels: { 'app.kubernetes.io/part-of': 'converge' },
    },
    spec: {
      group: type.group,
      names: {
        kind: type.kind,
        listKind: `${type.kind}List`,
        plural: type.plural,
        singular: type.singular,
        shortNames: [...type.shortNames],
        categories: [...type.categories],
      },
      scope: type.namespaced ? 'Namespaced' : 'Cluster',
      versions: [
        {
          name: type.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: columns,
          schema: { openAPIV3Schema: crdSchema(type) },
        },
      ],
    },
  };
}

/** File name of a kind's CRD under `manifests/crds/`, e.g. `instances.converge.io.yaml`. */
export function crdFileName(type: Pick<ResourceType, 'plural' | 'group'>): string {
  return `${type.plural}.${type.group}.yaml`;
}

/** YAML text of every CRD, keyed by file name, in the order of `types` (core kinds, `crd: false`, skipped). Deterministic. */
export function renderCrds(types: readonly ResourceType[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const type of types) {
    if (type.crd === false) continue;
    const header = '# Generated from the zod schemas in schemas/ by `npm run gen`. Do not edit by hand.\n';
    files.set(crdFileName(type), header + stringify(buildCrd(type), { aliasDuplicateObjects: false, lineWidth: 0 }));
  }
  return files;
}
