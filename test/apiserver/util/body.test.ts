import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import t from 'tap';
import { BadRequestError, ConvergeError, RequestTooLargeError } from '../../../src/errors/index.js';
import { readBody } from '../../../src/apiserver/util/body.js';

const MiB = 1024 * 1024;

/** What the server saw for one request. */
interface Outcome {
  readonly body?: Buffer;
  readonly error?: unknown;
  /** Bytes the server had read from the socket when readBody settled. */
  readonly bytesRead: number;
}

/** A real HTTP server whose handler calls readBody and answers 413/4xx with `Connection: close` on errors. */
async function startServer(limitBytes: number): Promise<{ url: URL; port: number; next: () => Promise<Outcome>; server: Server }> {
  const outcomes: Outcome[] = [];
  const waiters: ((o: Outcome) => void)[] = [];
  const record = (o: Outcome): void => {
    const waiter = waiters.shift();
    if (waiter) waiter(o);
    else outcomes.push(o);
  };
  const server = createServer((req, res) => {
    readBody(req, { limitBytes }).then(
      (body) => {
        record({ body, bytesRead: req.socket.bytesRead });
        res.end(String(body.length));
      },
      (error: unknown) => {
        record({ error, bytesRead: req.socket.bytesRead });
        const status = error instanceof ConvergeError ? error.httpStatus : 500;
        if (!res.destroyed) res.writeHead(status, { Connection: 'close' }).end();
      },
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/`),
    port,
    server,
    next: () => {
      const o = outcomes.shift();
      return o ? Promise.resolve(o) : new Promise((resolve) => waiters.push(resolve));
    },
  };
}

/** Sends a request with Node's client and resolves with the response status. */
function send(url: URL, body: Buffer | Buffer[], headers: Record<string, string | number> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, resolve);
    // The server may answer and close before the whole body is written; that is the point.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    for (const chunk of Array.isArray(body) ? body : [body]) req.write(chunk);
    req.end();
  });
}

t.test('reads bodies up to the limit, with and without Content-Length', async (t) => {
  const srv = await startServer(64 * 1024);
  t.teardown(() => srv.server.close());
  const cases: { name: string; body: Buffer[]; headers: Record<string, string | number> }[] = [
    { name: 'small with length', body: [Buffer.from('{"a":1}')], headers: { 'Content-Length': 7 } },
    { name: 'chunked', body: [Buffer.from('{"a":'), Buffer.from('1}')], headers: { 'Transfer-Encoding': 'chunked' } },
    { name: 'empty', body: [], headers: { 'Content-Length': 0 } },
    { name: 'exactly the limit', body: [Buffer.alloc(64 * 1024, 0x61)], headers: { 'Content-Length': 64 * 1024 } },
    { name: 'identity encoding', body: [Buffer.from('x')], headers: { 'Content-Length': 1, 'Content-Encoding': 'identity' } },
  ];
  for (const c of cases) {
    const res = await send(srv.url, c.body, c.headers);
    res.resume();
    const outcome = await srv.next();
    t.equal(res.statusCode, 200, `${c.name}: 200`);
    t.same(outcome.body, Buffer.concat(c.body), `${c.name}: body intact`);
  }
});

t.test('a declared Content-Length over the limit is refused before reading the body', async (t) => {
  const srv = await startServer(3 * MiB);
  t.teardown(() => srv.server.close());
  const body = Buffer.alloc(4 * MiB, 0x61);
  const start = performance.now();
  const res = await send(srv.url, body, { 'Content-Length': body.length });
  res.resume();
  const outcome = await srv.next();
  t.equal(res.statusCode, 413);
  t.ok(outcome.error instanceof RequestTooLargeError, 'RequestTooLargeError');
  t.equal((outcome.error as Error).message, `Request entity too large: limit is ${3 * MiB}`);
  t.ok(outcome.bytesRead < 1 * MiB, `only ${outcome.bytesRead} bytes read of 4 MiB`);
  t.ok(performance.now() - start < 2000, 'answered promptly');
});

t.test('a streamed body is cut off as soon as it crosses the limit', async (t) => {
  const srv = await startServer(3 * MiB);
  t.teardown(() => srv.server.close());
  const chunks = Array.from({ length: 64 }, () => Buffer.alloc(64 * 1024, 0x62));
  const res = await send(srv.url, chunks, { 'Transfer-Encoding': 'chunked' });
  res.resume();
  const outcome = await srv.next();
  t.equal(res.statusCode, 413, '4 MiB chunked body gets 413');
  t.ok(outcome.error instanceof RequestTooLargeError);
  t.ok(outcome.bytesRead <= 3 * MiB + 1 * MiB, `stopped reading at ${outcome.bytesRead} bytes`);
  t.ok(outcome.bytesRead > 3 * MiB, 'but only after the limit was crossed');
});

t.test('one byte over the limit is refused', async (t) => {
  const srv = await startServer(1000);
  t.teardown(() => srv.server.close());
  const res = await send(srv.url, [Buffer.alloc(600), Buffer.alloc(401)], { 'Transfer-Encoding': 'chunked' });
  res.resume();
  t.equal(res.statusCode, 413);
  t.ok((await srv.next()).error instanceof RequestTooLargeError);
});

t.test('compressed request bodies are 415', async (t) => {
  const srv = await startServer(1000);
  t.teardown(() => srv.server.close());
  const res = await send(srv.url, Buffer.from('x'), { 'Content-Length': 1, 'Content-Encoding': 'gzip' });
  res.resume();
  const outcome = await srv.next();
  t.equal(res.statusCode, 415);
  t.match((outcome.error as Error).message, /unsupported Content-Encoding "gzip"/);
});

t.test('a client that disconnects mid-body rejects with BadRequestError (no hang)', async (t) => {
  const srv = await startServer(MiB);
  t.teardown(() => srv.server.close());
  for (const framing of ['Content-Length: 1000', 'Transfer-Encoding: chunked']) {
    const socket = connect(srv.port, '127.0.0.1');
    await once(socket, 'connect');
    const partial = framing.startsWith('Transfer') ? '64\r\n' + 'x'.repeat(50) : 'x'.repeat(100);
    socket.write(`POST / HTTP/1.1\r\nHost: x\r\n${framing}\r\n\r\n${partial}`);
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    const outcome = await srv.next();
    t.ok(outcome.error instanceof BadRequestError, `${framing}: BadRequestError`);
    t.match((outcome.error as Error).message, /client aborted/, `${framing}: says why`);
  }
});
