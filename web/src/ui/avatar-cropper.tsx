import { useId, useRef } from 'react';
import { dragSquare, MAX_AVATAR_ZOOM, type SquareFraming, squareAt } from '../files/crop-avatar';

/** The picture being framed: shown as a data: URL (the page's CSP allows those for images), with its size. */
export interface FramedPicture {
  url: string;
  width: number;
  height: number;
}

const percent = (part: number, whole: number) => `${(100 * part) / whole}%`;

/**
 * The square picker: the whole picture with the square that becomes the avatar drawn over it. The
 * square is dragged with the pointer, or placed with the sliders (zoom, and a position along each axis
 * the picture leaves room on), which the keyboard and assistive technology operate as well.
 */
export function AvatarCropper({ picture, framing, onChange }: { picture: FramedPicture; framing: SquareFraming; onChange: (framing: SquareFraming) => void }) {
  const id = useId();
  const frame = useRef<HTMLDivElement>(null);
  const drag = useRef<{ pointerId: number; x: number; y: number; framing: SquareFraming } | undefined>(undefined);
  const { width, height } = picture;
  const square = squareAt(width, height, framing);

  const onPointerDown = (event: React.PointerEvent<HTMLDivElement>) => {
    event.currentTarget.setPointerCapture(event.pointerId);
    drag.current = { pointerId: event.pointerId, x: event.clientX, y: event.clientY, framing };
  };
  const onPointerMove = (event: React.PointerEvent<HTMLDivElement>) => {
    const start = drag.current;
    const box = frame.current?.getBoundingClientRect();
    if (!start || start.pointerId !== event.pointerId || !box || box.width === 0) return;
    const scale = width / box.width; // picture pixels per screen pixel
    onChange(dragSquare(width, height, start.framing, (event.clientX - start.x) * scale, (event.clientY - start.y) * scale));
  };
  const endDrag = () => (drag.current = undefined);
  const slider = (name: keyof SquareFraming, label: string, min: number, max: number, step: number) => (
    <label className="avatar-cropper__control" htmlFor={`${id}-${name}`}>
      {label}
      <input id={`${id}-${name}`} type="range" min={min} max={max} step={step} value={framing[name]} onChange={(e) => onChange({ ...framing, [name]: Number(e.target.value) })} />
    </label>
  );

  return (
    <div className="avatar-cropper" role="group" aria-label="Choose the square of the picture">
      <div
        ref={frame}
        className="avatar-cropper__frame"
        style={{ aspectRatio: `${width} / ${height}`, width: `min(100%, ${(16 * width) / height}rem)` /* at most 16rem tall */ }}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={endDrag}
        onPointerCancel={endDrag}
        data-testid="avatar-frame"
      >
        <img src={picture.url} alt="" draggable={false} />
        <div className="avatar-cropper__square" style={{ left: percent(square.x, width), top: percent(square.y, height), width: percent(square.side, width), height: percent(square.side, height) }} />
      </div>
      {slider('zoom', 'Zoom', 1, MAX_AVATAR_ZOOM, 0.05)}
      {width > square.side && slider('x', 'Left to right', 0, 1, 0.01)}
      {height > square.side && slider('y', 'Top to bottom', 0, 1, 0.01)}
    </div>
  );
}
