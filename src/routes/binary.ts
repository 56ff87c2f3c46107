// The binary (safetensors-style) request framing: the content-type parser
// keeps the data buffer on the request for the tensor decoder.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseBinaryBody } from '../encoding/index.js';

const PAYLOAD = Symbol('binaryPayload');

type WithPayload = FastifyRequest & { [PAYLOAD]?: Uint8Array };

export function registerBinaryBodies(app: FastifyInstance): void {
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (req, body, done) => {
    try {
      const { header, data } = parseBinaryBody(body as Buffer);
      (req as WithPayload)[PAYLOAD] = data;
      done(null, header);
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}

export function binaryPayload(req: FastifyRequest): Uint8Array | undefined {
  return (req as WithPayload)[PAYLOAD];
}
