import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** Where the files' bytes live: an S3 bucket, reached by the one S3 code path in every environment. */
export interface ObjectStore {
  readonly bucket: string;
  /** A URL that accepts one PUT of exactly `size` bytes of `contentType` until it expires. */
  presignPut(key: string, size: number, contentType: string, ttlSeconds: number): Promise<string>;
  /** A URL that serves the object until it expires, with the response headers given (no type: the stored one). */
  presignGet(key: string, ttlSeconds: number, response: { contentDisposition: string; contentType?: string }): Promise<string>;
  /** The stored object's size and type, or undefined when there is none. */
  head(key: string): Promise<{ size: number; contentType: string } | undefined>;
  /** The first `bytes` bytes of the object (one ranged GET). */
  readStart(key: string, bytes: number): Promise<Uint8Array>;
  /** The whole object (the thumbnail worker's input; the gateway never reads whole files). */
  read(key: string): Promise<Uint8Array>;
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** Starts a multipart upload of `contentType` (its id at the store). */
  createMultipart(key: string, contentType: string): Promise<string>;
  /** A URL that accepts one PUT of exactly `size` bytes as part `partNumber` until it expires. */
  presignPart(key: string, uploadId: string, partNumber: number, size: number, ttlSeconds: number): Promise<string>;
  /** The parts the store holds, in order. */
  listParts(key: string, uploadId: string): Promise<{ partNumber: number; size: number; etag: string }[]>;
  completeMultipart(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<void>;
  /** Drops an unfinished multipart upload and its parts; an unknown one is fine. */
  abortMultipart(key: string, uploadId: string): Promise<void>;
  /** Deletes the objects; missing ones are fine. */
  delete(keys: string[]): Promise<void>;
  /** Creates the bucket unless it exists (local systems and tests; production's comes from Pulumi). */
  ensureBucket(): Promise<void>;
  /** A cheap request that proves the bucket is reachable (readiness). */
  check(): Promise<void>;
  close(): void;
}

export interface ObjectStoreOptions {
  bucket: string;
  region: string;
  /** An S3-compatible server (the local one); unset: AWS S3 of `region`. */
  endpoint?: string;
  /** The endpoint presigned URLs name, if clients reach the store elsewhere than the gateway does. */
  publicEndpoint?: string;
  forcePathStyle: boolean;
  /** Static keys for a local server; unset: the default chain (EKS Pod Identity / IRSA in production). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const isMissing = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.name === 'NoSuchBucket' || e.$metadata?.httpStatusCode === 404;
};

/** The S3 object store. Two clients when the public endpoint differs: one to talk, one to sign for browsers. */
export function createObjectStore(options: ObjectStoreOptions): ObjectStore {
  const base: S3ClientConfig = {
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
    // Checksums on every request would add headers a presigned browser PUT cannot know in advance.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
  };
  const client = new S3Client({ ...base, endpoint: options.endpoint });
  const signer = options.publicEndpoint ? new S3Client({ ...base, endpoint: options.publicEndpoint }) : client;
  const Bucket = options.bucket;

  return {
    bucket: Bucket,
    presignPut: (key, size, contentType, ttlSeconds) =>
      // Content-Length and Content-Type are signed headers: a PUT of another size or type fails the signature.
      getSignedUrl(signer, new PutObjectCommand({ Bucket, Key: key, ContentLength: size, ContentType: contentType }), {
        expiresIn: ttlSeconds,
        signableHeaders: new Set(['content-length', 'content-type']),
      }),
    presignGet: (key, ttlSeconds, response) =>
      getSignedUrl(
        signer,
        new GetObjectCommand({ Bucket, Key: key, ResponseContentDisposition: response.contentDisposition, ResponseContentType: response.contentType }),
        { expiresIn: ttlSeconds },
      ),
    async head(key) {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
        return { size: out.ContentLength ?? 0, contentType: (out.ContentType ?? '').toLowerCase() };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async readStart(key, bytes) {
      const out = await client.send(new GetObjectCommand({ Bucket, Key: key, Range: `bytes=0-${bytes - 1}` }));
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    },
    async read(key) {
      const out = await client.send(new GetObjectCommand({ Bucket, Key: key }));
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    },
    async put(key, body, contentType) {
      await client.send(new PutObjectCommand({ Bucket, Key: key, Body: body, ContentType: contentType }));
    },
    async createMultipart(key, contentType) {
      const out = await client.send(new CreateMultipartUploadCommand({ Bucket, Key: key, ContentType: contentType }));
      if (!out.UploadId) throw new Error('the store gave no multipart upload id');
      return out.UploadId;
    },
    presignPart: (key, uploadId, partNumber, size, ttlSeconds) =>
      getSignedUrl(signer, new UploadPartCommand({ Bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, ContentLength: size }), {
        expiresIn: ttlSeconds,
        signableHeaders: new Set(['content-length']),
      }),
    async listParts(key, uploadId) {
      const parts: { partNumber: number; size: number; etag: string }[] = [];
      let marker: string | undefined;
      do {
        const out = await client.send(new ListPartsCommand({ Bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }));
        for (const p of out.Parts ?? []) parts.push({ partNumber: p.PartNumber ?? 0, size: p.Size ?? 0, etag: p.ETag ?? '' });
        marker = out.IsTruncated ? out.NextPartNumberMarker : undefined;
      } while (marker);
      return parts;
    },
    async completeMultipart(key, uploadId, parts) {
      await client.send(
        new CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) } }),
      );
    },
    async abortMultipart(key, uploadId) {
      try {
        await client.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId }));
      } catch (error) {
        if (!isMissing(error) && (error as { name?: string }).name !== 'NoSuchUpload') throw error;
      }
    },
    async delete(keys) {
      // DeleteObjects takes up to 1000 keys a request.
      for (let i = 0; i < keys.length; i += 1000) {
        const chunk = keys.slice(i, i + 1000);
        const out = await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }));
        const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
        if (failed.length > 0) throw new Error(`could not delete ${failed.length} objects: ${failed[0]!.Code} ${failed[0]!.Message}`);
      }
    },
    async ensureBucket() {
      try {
        await client.send(new HeadBucketCommand({ Bucket }));
      } catch (error) {
        if (!isMissing(error)) throw error;
        await client.send(new CreateBucketCommand({ Bucket }));
      }
    },
    async check() {
      await client.send(new HeadBucketCommand({ Bucket }));
    },
    close() {
      client.destroy();
      if (signer !== client) signer.destroy();
    },
  };
}

/** The store the configuration names (S3_* variables; see config.ts). */
export function objectStoreFromConfig(config: {
  S3_BUCKET: string;
  S3_REGION: string;
  S3_ENDPOINT?: string;
  S3_PUBLIC_ENDPOINT?: string;
  S3_FORCE_PATH_STYLE: boolean;
  S3_ACCESS_KEY_ID?: string;
  S3_SECRET_ACCESS_KEY?: string;
}): ObjectStore {
  return createObjectStore({
    bucket: config.S3_BUCKET,
    region: config.S3_REGION,
    endpoint: config.S3_ENDPOINT,
    publicEndpoint: config.S3_PUBLIC_ENDPOINT,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    credentials:
      config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY } : undefined,
  });
}
