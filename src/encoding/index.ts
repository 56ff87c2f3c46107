// Tensor encodings of the HTTP API (API.md "Tensors").
export {
  DTYPES,
  allocateData,
  alignedCopy,
  bytesPerElement,
  dataMatchesDType,
  isDType,
  isFloatingDType,
  numelOf,
  shapeStr,
  viewData,
  type DType,
  type TensorData,
} from './dtype.js';
export { MAX_NDIM, decodeTensor, type DecodeOptions, type HostTensor } from './decode.js';
export {
  encodeResponse,
  encodeResponseBytes,
  encodeTensor,
  isRawTensor,
  mapRawTensors,
  rawBytes,
  toNested,
  type Base64Tensor,
  type EncodedTensor,
  type JsonTensor,
  type NestedData,
  type RawTensor,
  type TensorEncoding,
} from './encode.js';
export { encodeBinaryResponse, parseBinaryBody, type BinaryBody } from './binary.js';
