import { centredSquare, dragSquare, MAX_AVATAR_ZOOM, squareAt } from './crop-avatar';

describe('the avatar square', () => {
  it('starts as the largest centred square', () => {
    expect(centredSquare(600, 300)).toEqual({ x: 150, y: 0, side: 300 });
    expect(centredSquare(300, 601)).toEqual({ x: 0, y: 151, side: 300 });
  });

  it('moves along the axis the picture leaves room on, edge to edge', () => {
    expect(squareAt(600, 300, { x: 0, y: 0.5, zoom: 1 })).toEqual({ x: 0, y: 0, side: 300 });
    expect(squareAt(600, 300, { x: 1, y: 0.5, zoom: 1 })).toEqual({ x: 300, y: 0, side: 300 });
  });

  it('zooms in around its position, never past a quarter of the shorter side, never outside the picture', () => {
    expect(squareAt(600, 300, { x: 0.5, y: 0.5, zoom: 2 })).toEqual({ x: 225, y: 75, side: 150 });
    expect(squareAt(600, 300, { x: 1, y: 1, zoom: 99 })).toEqual({ x: 525, y: 225, side: 300 / MAX_AVATAR_ZOOM });
    expect(squareAt(600, 300, { x: -3, y: 7, zoom: 0 })).toEqual({ x: 0, y: 0, side: 300 });
  });

  it('follows a drag in picture pixels, stopping at the edges', () => {
    const framing = { x: 0.5, y: 0.5, zoom: 1 };
    expect(squareAt(600, 300, dragSquare(600, 300, framing, -75, 40))).toEqual({ x: 75, y: 0, side: 300 });
    expect(squareAt(600, 300, dragSquare(600, 300, framing, 10_000, 0))).toEqual({ x: 300, y: 0, side: 300 });
    expect(dragSquare(300, 300, framing, 50, 50)).toEqual(framing); // a square picture leaves no room
  });
});
