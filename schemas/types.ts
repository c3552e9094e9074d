import type { z } from 'zod';

/** A column shown by `kubectl get` (Table output) and declared in the CRD as `additionalPrinterColumns`. */
export interface PrinterColumn {
  readonly name: string;
  /** OpenAPI type of the cell: `string`, `integer`, `number`, `boolean` or `date`. */
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** Simple JSONPath into the object, e.g. `.spec.vcpus`, `.status.conditions[?(@.type=="Ready")].status`. */
  readonly jsonPath: string;
  readonly description?: string;
  /** 0 = shown by default; 1 = only with `-o wide`. */
  readonly priority?: 0 | 1;
}

/**
 * Everything the API server, the CRD generator and the controllers need to know about one kind.
 * `spec` and `status` are the single source of truth for validation, defaulting, types and OpenAPI.
 */
export interface ResourceType<Spec extends z.ZodType = z.ZodType, Status extends z.ZodType = z.ZodType> {
  /** API group; `""` is the core group served under `/api/v1`. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Lower-case plural used in URLs, e.g. `instances`. */
  readonly plural: string;
  /** Lower-case singular, e.g. `instance`. */
  readonly singular: string;
  readonly shortNames: readonly string[];
  /** Categories for `kubectl get all`-style grouping, e.g. `converge`, `managed`. */
  readonly categories: readonly string[];
  readonly namespaced: boolean;
  /** Human description used in OpenAPI and `kubectl explain`. */
  readonly description: string;
  /** Schema of `.spec`; parsing applies defaults. */
  readonly spec: Spec;
  /** Schema of `.status`; parsing applies defaults. */
  readonly status: Status;
  /** Columns for Table output and CRD `additionalPrinterColumns` (Age is appended automatically). */
  readonly printerColumns: readonly PrinterColumn[];
  /** Dotted spec paths that cannot change after creation, e.g. `spec.providerRef`. */
  readonly immutableFields: readonly string[];
  /**
   * For kinds whose body is not `spec`/`status` (core `v1` Event): the schema of every top-level field other
   * than `apiVersion`, `kind` and `metadata`. When set, `spec`/`status` are unused and generation never bumps.
   */
  readonly topLevel?: z.ZodType;
  /**
   * `false` when the Table shows only the printer columns, without the leading Name and trailing Age (as
   * kube-apiserver prints Events). Default true.
   */
  readonly tableNameAndAge?: false;
  /** `false` for kinds that are not CustomResourceDefinitions (core kinds); they get no CRD. */
  readonly crd?: false;
  /** Fields `fieldSelector` may use beyond `metadata.name` and `metadata.namespace`. */
  readonly selectableFields?: readonly string[];
}

/** `apiVersion` string of a resource type, e.g. `converge.io/v1alpha1` or `v1`. */
export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}
