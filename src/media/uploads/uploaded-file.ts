import type { Readable } from 'node:stream';
import '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequestValidationError } from '../../common/errors/domain.error';

/** One file received from a multipart body, not yet read: its bytes stream from the request. */
export interface UploadedFile {
  /** The multipart field it came in (`image`, `file`, `font`): error details are keyed by it. */
  readonly field: string;
  /** The client's file name, for display only (never a path on disk). */
  readonly filename: string;
  /** The bytes; emits `limit` when more than the route's limit arrived. */
  readonly stream: Readable;
  /** The most bytes accepted. */
  readonly maxBytes: number;
  /** Refuses the upload (400, keyed by `field`), closing the connection after the answer. */
  reject(reason: string): never;
}

/** Multipart overhead (boundaries, part headers) allowed beyond the file's limit. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/** Refuses an upload: 400 with the reason keyed by the multipart field, as DRF answers. */
export class UploadRejectedError extends RequestValidationError {
  constructor(field: string, reason: string) {
    super({ [field]: [reason] }, 'Invalid upload');
  }
}

/** "at most 20 MB". */
export function describeLimit(maxBytes: number): string {
  return `File too large: at most ${Math.round(maxBytes / (1024 * 1024))} MB.`;
}

/**
 * Takes the file of a multipart body (@fastify/multipart), without reading it: the store
 * streams it to disk and stops at `maxBytes`. A body whose declared length is already over
 * the limit is refused before a byte of it is read.
 *
 * Every refusal of an upload closes the connection after the answer: Node would otherwise
 * read (and discard) the rest of a large body to keep the connection alive.
 */
export async function receiveFile(
  request: FastifyRequest,
  reply: FastifyReply,
  field: string,
  maxBytes: number,
): Promise<UploadedFile> {
  const refuse = (reason: string): never => {
    reply.header('connection', 'close');
    throw new UploadRejectedError(field, reason);
  };
  if (!request.isMultipart()) {
    return refuse('The submitted data was not a file. Check the encoding type on the form.');
  }
  const declared = Number(request.headers['content-length']);
  if (declared > maxBytes + MULTIPART_OVERHEAD_BYTES) return refuse(describeLimit(maxBytes));
  const part = await request
    .file({ limits: { fileSize: maxBytes, files: 1, fields: 20, parts: 21 } })
    .catch(() => undefined);
  if (!part || part.fieldname !== field) {
    part?.file.resume();
    return refuse('No file was submitted.');
  }
  return { field, filename: part.filename, stream: part.file, maxBytes, reject: refuse };
}
