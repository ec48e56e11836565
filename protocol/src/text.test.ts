import { BIDI_CONTROLS, cutText, toWellFormed, unstorableTextProblem } from './text';

describe('cutText', () => {
  it('leaves text within the limit as it is', () => {
    expect(cutText('hello', 5)).toBe('hello');
  });

  it('never splits an emoji, its skin tone or a family sequence, and stays within the limit', () => {
    const family = '👨‍👩‍👧‍👦'; // 11 code units
    for (let max = 2; max < 30; max++) { // the text is 30 code units long
      const cut = cutText(`ab${family}${family}👍🏽cd`, max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(unstorableTextProblem(cut)).toBeUndefined();
      expect(cut.endsWith('…')).toBe(true);
      const kept = cut.slice(0, -1);
      expect(`ab${family}${family}👍🏽cd`.startsWith(kept)).toBe(true);
      expect([...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(kept)].every((g) => ['a', 'b', family, '👍🏽', 'c'].includes(g.segment))).toBe(true);
    }
  });
});

describe('unstorableTextProblem', () => {
  it('names NUL and lone surrogates, accepts pairs', () => {
    expect(unstorableTextProblem('a\u0000')).toMatch(/NUL/);
    expect(unstorableTextProblem('\ud800x')).toMatch(/surrogate/);
    expect(unstorableTextProblem('x\udc00')).toMatch(/surrogate/);
    expect(unstorableTextProblem('😀')).toBeUndefined();
  });

  it('BIDI_CONTROLS matches the override characters', () => {
    expect(BIDI_CONTROLS.test('abc\u202etxt.exe')).toBe(true);
    expect(BIDI_CONTROLS.test('plain')).toBe(false);
  });
});

describe('toWellFormed', () => {
  it('replaces lone surrogates only', () => {
    expect(toWellFormed('a\ud800b😀\udc00')).toBe('a\ufffdb😀\ufffd');
  });
});
