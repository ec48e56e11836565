import sharp from 'sharp';

/** Longest side of a thumbnail, in pixels. */
export const THUMBNAIL_MAX_PX = 400;
/** Larger images are refused before decoding (decompression bombs): 50 megapixels. */
const MAX_INPUT_PIXELS = 50_000_000;

export interface Thumbnail {
  /** The image's own size, as it is displayed (EXIF orientation applied). */
  width: number;
  height: number;
  webp: Buffer;
}

/** A WebP of at most 400 px a side (never enlarged) and the original's displayed size. libvips decodes off the event loop. */
export async function makeThumbnail(image: Uint8Array): Promise<Thumbnail> {
  const source = sharp(image, { limitInputPixels: MAX_INPUT_PIXELS, animated: false, failOn: 'error' });
  const meta = await source.metadata();
  // Orientations 5-8 turn the picture by 90°: what a viewer sees has width and height swapped.
  const turned = (meta.orientation ?? 1) >= 5;
  const width = (turned ? meta.height : meta.width) ?? 0;
  const height = (turned ? meta.width : meta.height) ?? 0;
  const webp = await source
    .rotate()
    .resize(THUMBNAIL_MAX_PX, THUMBNAIL_MAX_PX, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .toBuffer();
  return { width, height, webp };
}
