// The binary (safetensors-style) request framing: the content-type parser
// keeps the data buffer on the request for the tensor decoder.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseBinaryBody } from '../encoding/index.js';
import { checkJsonLimits, type JsonLimits } from '../security.js';

const PAYLOAD = Symbol('binaryPayload');

type WithPayload = FastifyRequest & { [PAYLOAD]?: Uint8Array };

export function registerBinaryBodies(app: FastifyInstance, limits: JsonLimits): void {
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (req, body, done) => {
    try {
      const buf = body as Buffer;
      // The JSON header's shape is checked before it is parsed.
      if (buf.length >= 8) {
        const n = Number(buf.readBigUInt64LE(0));
        if (n <= buf.length - 8) checkJsonLimits(buf.toString('utf8', 8, 8 + n), limits);
      }
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
