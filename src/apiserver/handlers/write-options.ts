import type { WriteOptions } from '../../registry/index.js';
import { fieldManagerFor } from '../ssa/index.js';
import type { WriteQuery } from '../util/query.js';
import type { ResourceRequest } from './resource-request.js';

/**
 * Registry options for a write: dry run, the field manager (query parameter, else the User-Agent's product
 * token, as kube-apiserver does) and field validation. Unknown-field warnings become `Warning` headers.
 * Without an explicit `fieldValidation` Converge is Strict (kube defaults to Warn): an infrastructure tool
 * should not silently drop a misspelt field.
 */
export function writeOptions(r: ResourceRequest, query: WriteQuery, optionsKind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions'): WriteOptions {
  const explicit = r.url.searchParams.has('fieldValidation');
  const warnings: string[] = [];
  return {
    dryRun: query.dryRun,
    fieldManager: fieldManagerFor({ query: query.fieldManager, userAgent: r.req.headers['user-agent'], isApply: false, optionsKind }),
    unknownFields: explicit ? query.fieldValidation : 'Strict',
    warn: (message) => {
      warnings.push(`299 - ${JSON.stringify(message)}`);
      if (!r.res.headersSent) r.res.setHeader('Warning', warnings);
    },
  };
}
