/**
 * The subset of Kubernetes JSONPath used by printer columns: `.a.b`, `.a[0]`, `.a[*]`, `.a['key.with.dots']`
 * and filters `[?(@.field=="value")]` (also `!=`). Returns every value the path reaches, in order.
 */
export function evaluateJsonPath(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  for (const step of parseSteps(path)) {
    const next: unknown[] = [];
    for (const value of current) next.push(...applyStep(value, step));
    current = next;
  }
  return current;
}

type Step =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'all' }
  | { readonly kind: 'filter'; readonly field: string[]; readonly op: '==' | '!='; readonly value: string };

const FILTER = /^\?\(@((?:\.[A-Za-z0-9_-]+)+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_.-]+))\)$/;

function parseSteps(path: string): Step[] {
  const steps: Step[] = [];
  let i = path.startsWith('{') && path.endsWith('}') ? 1 : 0;
  const end = i === 1 ? path.length - 1 : path.length;
  while (i < end) {
    const ch = path[i];
    if (ch === '.') {
      let j = i + 1;
      while (j < end && path[j] !== '.' && path[j] !== '[') j++;
      if (j > i + 1) steps.push({ kind: 'field', name: path.slice(i + 1, j) });
      i = j;
    } else if (ch === '[') {
      const close = findClose(path, i, end);
      steps.push(parseBracket(path.slice(i + 1, close)));
      i = close + 1;
    } else {
      let j = i;
      while (j < end && path[j] !== '.' && path[j] !== '[') j++;
      steps.push({ kind: 'field', name: path.slice(i, j) });
      i = j;
    }
  }
  return steps;
}

function findClose(path: string, open: number, end: number): number {
  let depth = 0;
  for (let j = open; j < end; j++) {
    if (path[j] === '[' || path[j] === '(') depth++;
    if (path[j] === ']' || path[j] === ')') depth--;
    if (depth === 0 && path[j] === ']') return j;
  }
  throw new Error(`unterminated [ in JSONPath ${path}`);
}

function parseBracket(inner: string): Step {
  if (inner === '*') return { kind: 'all' };
  if (/^-?\d+$/.test(inner)) return { kind: 'index', index: Number(inner) };
  const quoted = /^'(.*)'$|^"(.*)"$/.exec(inner);
  if (quoted) return { kind: 'field', name: quoted[1] ?? quoted[2] ?? '' };
  const filter = FILTER.exec(inner);
  if (filter) {
    return {
      kind: 'filter',
      field: filter[1]!.slice(1).split('.'),
      op: filter[2] as '==' | '!=',
      value: filter[3] ?? filter[4] ?? filter[5] ?? '',
    };
  }
  throw new Error(`unsupported JSONPath expression [${inner}]`);
}

function child(value: unknown, name: string): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, name)) {
    return (value as Record<string, unknown>)[name];
  }
  return undefined;
}

function applyStep(value: unknown, step: Step): unknown[] {
  switch (step.kind) {
    case 'field': {
      const v = child(value, step.name);
      return v === undefined ? [] : [v];
    }
    case 'index': {
      if (!Array.isArray(value)) return [];
      const v: unknown = value[step.index < 0 ? value.length + step.index : step.index];
      return v === undefined ? [] : [v];
    }
    case 'all':
      if (Array.isArray(value)) return value;
      if (value !== null && typeof value === 'object') return Object.values(value);
      return [];
    case 'filter': {
      if (!Array.isArray(value)) return [];
      return value.filter((item) => {
        let v: unknown = item;
        for (const f of step.field) v = child(v, f);
        const text = v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
        return step.op === '==' ? text === step.value : text !== step.value;
      });
    }
  }
}
