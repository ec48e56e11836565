import { z } from 'zod';

/**
 * Large files go up in parts (S3 multipart), so that a failure costs one part and the client resumes by
 * asking which parts the store holds. Every part but the last is exactly `partBytes` long.
 */
export const MULTIPART_LIMITS = {
  /** S3's smallest part (but the last). */
  minPartBytes: 5 * 1024 * 1024,
  /** The web app uploads files from this size on in parts. */
  fromBytes: 10 * 1024 * 1024,
  /** Part URLs asked for at once. */
  partsPerRequest: 100,
} as const;

/** `POST /api/rooms/:roomId/uploads/multipart`: 201, then ask for part URLs, PUT the parts, complete. */
export interface MultipartUploadResponse {
  upload: { id: string; partBytes: number; partCount: number; expiresAt: string };
}

/** `POST /api/uploads/:id/parts`: presigned URLs for these part numbers (1-based). */
export const partUrlsSchema = z.strictObject({
  partNumbers: z.array(z.number().int().min(1).max(10_000)).min(1).max(MULTIPART_LIMITS.partsPerRequest),
});
export type PartUrlsInput = z.infer<typeof partUrlsSchema>;

export interface PartUrlsResponse {
  /** PUT exactly the part's bytes to its URL, with `headers`, before `expiresAt`. */
  parts: { partNumber: number; url: string; headers: Record<string, string> }[];
  expiresAt: string;
}

/** `GET /api/uploads/:id/parts`: the parts the store holds (what a resuming client need not send again). */
export interface UploadedPartsResponse {
  parts: { partNumber: number; size: number }[];
}
