import t from 'tap';
import {
  BadRequestError,
  CompactedError,
  ConflictError,
  ConvergeError,
  ErrorCode,
  InvalidError,
  NotFoundError,
  RequestTooLargeError,
  TerminalError,
  UnavailableError,
} from '../../../src/errors/index.js';
import { INTERNAL_ERROR_MESSAGE, statusFromError, successStatus } from '../../../src/apiserver/util/status.js';

t.test('Converge errors keep status, reason, message and details', async (t) => {
  const cases: { name: string; err: unknown; code: number; reason: string; details?: unknown; headers?: unknown }[] = [
    {
      name: 'not found',
      err: new NotFoundError('instances.converge.io "web" not found', { kind: 'instances', name: 'web' }),
      code: 404,
      reason: 'NotFound',
      details: { name: 'web', kind: 'instances' },
    },
    { name: 'conflict', err: new ConflictError('the object has been modified'), code: 409, reason: 'Conflict' },
    { name: 'compacted', err: new CompactedError(5, 10), code: 410, reason: 'Expired' },
    {
      name: 'invalid with causes',
      err: new InvalidError('Instance "web" is invalid', {
        kind: 'Instance',
        name: 'web',
        causes: [{ reason: 'FieldValueInvalid', message: 'must be positive', field: 'spec.vcpus' }],
      }),
      code: 422,
      reason: 'Invalid',
      details: { name: 'web', kind: 'Instance', causes: [{ reason: 'FieldValueInvalid', message: 'must be positive', field: 'spec.vcpus' }] },
    },
    { name: 'bad request', err: new BadRequestError('bad'), code: 400, reason: 'BadRequest' },
    { name: 'too large', err: new RequestTooLargeError('big'), code: 413, reason: 'RequestEntityTooLarge' },
    { name: 'unsupported media', err: new ConvergeError(ErrorCode.UnsupportedMediaType, 'nope'), code: 415, reason: 'UnsupportedMediaType' },
    {
      name: 'unavailable with retry',
      err: new UnavailableError('store down', { retryAfterSeconds: 1.2 }),
      code: 503,
      reason: 'ServiceUnavailable',
      details: { retryAfterSeconds: 2 },
      headers: { 'Retry-After': '2' },
    },
    { name: 'terminal is internal over HTTP', err: new TerminalError('cannot continue'), code: 500, reason: 'InternalError' },
  ];
  for (const c of cases) {
    const { code, body, headers } = statusFromError(c.err);
    t.equal(code, c.code, `${c.name}: code`);
    t.equal(body.code, c.code, `${c.name}: body code`);
    t.equal(body.kind, 'Status');
    t.equal(body.apiVersion, 'v1');
    t.same(body.metadata, {});
    t.equal(body.status, 'Failure');
    t.equal(body.reason, c.reason, `${c.name}: reason`);
    t.equal(body.message, (c.err as Error).message, `${c.name}: message`);
    t.same(body.details, c.details, `${c.name}: details`);
    t.same(headers, c.headers ?? {}, `${c.name}: headers`);
    t.notOk('details' in body && body.details === undefined, 'no undefined details key');
  }
});

t.test('anything else is a generic 500 that leaks nothing', async (t) => {
  const secret = 'ENOENT: /var/lib/converge/secret-token at Object.openSync (node:fs:1)';
  const err = new Error(secret);
  err.stack = `Error: ${secret}\n    at internal (/srv/app.js:1:1)`;
  for (const thrown of [err, new TypeError(secret), secret, { message: secret, code: 404 }, undefined, null]) {
    const { code, body, headers } = statusFromError(thrown);
    t.equal(code, 500);
    t.same(body, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: INTERNAL_ERROR_MESSAGE, reason: 'InternalError', code: 500 });
    t.notMatch(JSON.stringify(body), /secret|ENOENT|app\.js/);
    t.same(headers, {});
  }
});

t.test('success status for deletes', async (t) => {
  t.same(successStatus({ name: 'web', kind: 'instances', group: 'converge.io', uid: 'u-1' }), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: 'web', kind: 'instances', group: 'converge.io', uid: 'u-1' },
    code: 200,
  });
  t.same(successStatus(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 });
  t.same(successStatus({ name: 'a', uid: undefined, group: '' }).details, { name: 'a' }, 'empty fields omitted');
});
