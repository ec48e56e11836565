import { AVATAR_LIMITS } from '@chat/protocol';

/** Where the square is taken from the picture, in the picture's pixels. */
export interface SquareCrop {
  x: number;
  y: number;
  side: number;
}

/**
 * Where the user put the square: its position along each axis where the picture leaves room (0 at the
 * left or top edge, 1 at the right or bottom) and how far it is zoomed in (1: the largest square).
 */
export interface SquareFraming {
  x: number;
  y: number;
  zoom: number;
}

/** How far in the square can be zoomed: a quarter of the picture's shorter side. */
export const MAX_AVATAR_ZOOM = 4;

/** The largest square, centred: what a picture gets until the user moves it. */
export const CENTRED: SquareFraming = { x: 0.5, y: 0.5, zoom: 1 };

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/** The square a framing takes from a `width` × `height` picture, always inside it. */
export function squareAt(width: number, height: number, framing: SquareFraming): SquareCrop {
  const side = Math.max(1, Math.floor(Math.min(width, height) / clamp(framing.zoom, 1, MAX_AVATAR_ZOOM)));
  return { x: Math.round(clamp(framing.x, 0, 1) * (width - side)), y: Math.round(clamp(framing.y, 0, 1) * (height - side)), side };
}

/** The largest centred square of a `width` × `height` picture. */
export function centredSquare(width: number, height: number): SquareCrop {
  return squareAt(width, height, CENTRED);
}

/** The framing after dragging the square by `dx`, `dy` pixels of the picture (clamped to its edges). */
export function dragSquare(width: number, height: number, framing: SquareFraming, dx: number, dy: number): SquareFraming {
  const { side } = squareAt(width, height, framing);
  const along = (position: number, delta: number, length: number) => (length > side ? clamp(position + delta / (length - side), 0, 1) : position);
  return { ...framing, x: along(framing.x, dx, width), y: along(framing.y, dy, height) };
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
