import { mergeRanges, rangesOf, searchTerms } from './search';

describe('searchTerms', () => {
  it('splits phrases and words, dropping tsquery syntax', () => {
    expect(searchTerms('deploy "quick fox" a&b:* !x')).toEqual({ phrases: ['quick fox'], words: ['deploy', 'a', 'b', 'x'], prefix: true });
    expect(searchTerms("'&|!:*()")).toEqual({ phrases: [], words: [], prefix: false });
  });

  it('matches the last word as a prefix only when the query ends with it', () => {
    expect(searchTerms('release depl')).toMatchObject({ words: ['release', 'depl'], prefix: true });
    expect(searchTerms('depl?')).toMatchObject({ words: ['depl'], prefix: true });
    expect(searchTerms('release "quick fox"')).toMatchObject({ words: ['release'], phrases: ['quick fox'], prefix: false });
    expect(searchTerms('"quick fox" depl')).toMatchObject({ words: ['depl'], phrases: ['quick fox'], prefix: true });
    // Past the eighth term the words typed last are dropped: the last one kept was finished.
    expect(searchTerms('a b c d e f g h i')).toMatchObject({ words: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], prefix: false });
  });
});

describe('rangesOf', () => {
  it('maps ts_headline markers to offsets in the body', () => {
    expect(rangesOf('the \u0002fox\u0003 runs', 'the fox runs')).toEqual([{ start: 4, end: 7 }]);
  });

  it('gives no ranges when the headline is not the body with markers', () => {
    expect(rangesOf('\u0002fox\u0003', 'the fox')).toEqual([]);
  });
});

describe('mergeRanges', () => {
  it('joins overlapping ranges in order', () => {
    expect(mergeRanges([{ start: 5, end: 8 }, { start: 0, end: 3 }, { start: 6, end: 9 }])).toEqual([{ start: 0, end: 3 }, { start: 5, end: 9 }]);
  });
});
