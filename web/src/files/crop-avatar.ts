import { AVATAR_LIMITS } from '@chat/protocol';

/** Where the square is taken from the picture, in the picture's pixels. */
export interface SquareCrop {
  x: number;
  y: number;
  side: number;
}

/** The largest centred square of a `width` × `height` picture. */
export function centredSquare(width: number, height: number): SquareCrop {
  const side = Math.min(width, height);
  return { x: Math.floor((width - side) / 2), y: Math.floor((height - side) / 2), side };
}

/**
 * Crops a picture to a square and scales it to 256 px, encoded as WebP (PNG where the browser cannot
 * write WebP): the avatar everyone sees, made here so that the server never decodes an image. The user
 * sees it as a preview before saving.
 */
export async function cropAvatar(file: Blob, crop?: SquareCrop): Promise<Blob> {
  const bitmap = await createImageBitmap(file);
  try {
    const square = crop ?? centredSquare(bitmap.width, bitmap.height);
    const side = AVATAR_LIMITS.sidePx;
    const canvas = document.createElement('canvas');
    canvas.width = side;
    canvas.height = side;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('this browser cannot draw pictures');
    context.imageSmoothingQuality = 'high';
    context.drawImage(bitmap, square.x, square.y, square.side, square.side, 0, 0, side, side);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/webp', 0.9));
    if (!blob) throw new Error('the picture could not be encoded');
    return blob;
  } finally {
    bitmap.close();
  }
}
