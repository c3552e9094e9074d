/**
 * The protobufjs reflection of gnostic's `openapi.v2` package, built once at module load from the
 * vendored `.proto` text.
 */
import protobuf from 'protobufjs';
import { ConvergeError, ErrorCode } from '../../errors/index.js';
import { OPENAPI_V2_PROTO } from './openapiv2-proto.js';

function buildRoot(): protobuf.Root {
  const root = new protobuf.Root();
  // OpenAPIv2.proto imports google/protobuf/any.proto (for `Any.value`, which we never set).
  // `protobuf.parse` does not fetch imports, so the well-known type protobufjs bundles is added first.
  const any = protobuf.common.get('google/protobuf/any.proto');
  if (any?.nested === undefined) {
    throw new ConvergeError(ErrorCode.Internal, 'protobufjs does not bundle google/protobuf/any.proto');
  }
  root.addJSON(any.nested);
  // keepCase: message objects use the .proto field names (`vendor_extension`, `_ref`), so the
  // converter reads like the .proto it targets.
  protobuf.parse(OPENAPI_V2_PROTO, root, { keepCase: true });
  root.resolveAll();
  return root;
}

/** Root holding `openapi.v2.*` (field names as written in the .proto) and `google.protobuf.Any`. */
export const openApiV2Root: protobuf.Root = buildRoot();

/** The `openapi.v2.Document` message type: what `/openapi/v2` serves as protobuf. */
export const openApiV2DocumentType: protobuf.Type = openApiV2Root.lookupType('openapi.v2.Document');
