/**
 * Reading request bodies with a hard size cap. The cap is enforced while streaming — never by buffering first —
 * so a client announcing or sending gigabytes costs at most the cap plus one socket read.
 */
import type { IncomingMessage } from 'node:http';
import { BadRequestError, ConvergeError, ErrorCode, RequestTooLargeError } from '../../errors/index.js';

/** Options of {@link readBody}. */
export interface ReadBodyOptions {
  /** Largest body accepted, in bytes (kube-apiserver's default is 3 MiB). */
  readonly limitBytes: number;
}

function tooLarge(limit: number): RequestTooLargeError {
  return new RequestTooLargeError(`Request entity too large: limit is ${limit}`);
}

/**
 * Reads the whole body of `req`.
 *
 * Rejects with RequestTooLargeError (413) as soon as the body is known to exceed `limitBytes`: up front when
 * `Content-Length` says so, otherwise when the byte that crosses the limit arrives. The rest of the body is then
 * left unread and the request paused, so the caller should answer with `Connection: close` (Node then closes the
 * socket instead of draining the remainder). Rejects with ConvergeError UnsupportedMediaType (415) for a
 * `Content-Encoding` other than `identity` (clients do not compress requests; we do not inflate them), and with
 * BadRequestError if the client aborts before the body is complete.
 */
export function readBody(req: IncomingMessage, options: ReadBodyOptions): Promise<Buffer> {
  const limit = options.limitBytes;
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    return Promise.reject(
      new ConvergeError(ErrorCode.UnsupportedMediaType, `unsupported Content-Encoding "${encoding}"; send the body uncompressed`),
    );
  }
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.pause();
    return Promise.reject(tooLarge(limit));
  }
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > limit) {
        cleanup();
        req.pause();
        chunks.length = 0;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, total));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(new BadRequestError('the request body could not be read: the client aborted the request', { cause: err }));
    };
    // 'close' without 'end' (and without 'error', which Node does not always emit) means the client went away.
    const onClose = (): void => {
      if (!req.readableEnded) onError(new Error('connection closed before the body was complete'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
