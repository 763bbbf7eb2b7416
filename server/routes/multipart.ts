// Turns a multipart body (as @fastify/multipart attaches it) into plain fields and files.
// A repeated text field is a 400, as for urlencoded forms.
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { UploadedFile } from '../services/context.ts';

export const UPLOAD_LIMITS = {
  /** per file; larger ones arrive truncated and are refused by the media service */
  fileBytes: 8 * 1024 * 1024,
  files: 4,
} as const;

export type { UploadedFile };

export interface MultipartForm {
  fields: Record<string, string>;
  files: Record<string, UploadedFile[]>;
}

export class BadFormError extends AppError {
  readonly statusCode = 400;
  readonly messageKey = 'errors.badRequest';
}

interface Part {
  type?: string;
  value?: unknown;
  filename?: string;
  file?: { truncated?: boolean };
  toBuffer?: () => Promise<Buffer>;
}

export async function readMultipart(request: FastifyRequest): Promise<MultipartForm> {
  const body = request.body as Record<string, Part | Part[]> | undefined;
  if (!request.isMultipart() || !body || typeof body !== 'object') throw new BadFormError('expected a multipart form');
  const fields: Record<string, string> = {};
  const files: Record<string, UploadedFile[]> = {};
  for (const [name, entry] of Object.entries(body)) {
    const parts = Array.isArray(entry) ? entry : [entry];
    for (const part of parts) {
      if (part.type === 'file' && part.toBuffer) {
        const buffer = await part.toBuffer();
        // An empty file input (nothing chosen) arrives as a nameless empty file.
        if (buffer.length === 0 && !part.filename) continue;
        (files[name] ??= []).push({ buffer, truncated: !!part.file?.truncated, filename: String(part.filename ?? '') });
      } else if (part.type === 'field') {
        if (name in fields) throw new BadFormError(`repeated field ${name}`);
        fields[name] = typeof part.value === 'string' ? part.value : String(part.value ?? '');
      }
    }
  }
  return { fields, files };
}
