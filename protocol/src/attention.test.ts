import { findMentions, mentionCandidates, mentionsRoom } from './attention';

describe('findMentions', () => {
  const names = (body: string) => findMentions(body).map((t) => t.name);

  it('finds @names at the start, after spaces and punctuation, with their positions', () => {
    expect(findMentions('@ann hi')).toEqual([{ start: 0, end: 4, name: 'ann' }]);
    expect(names('hi @ann, (@bob) and @Carol_1!')).toEqual(['ann,'.slice(0, 3), 'bob', 'Carol_1']);
  });

  it('keeps trailing dots and dashes for the resolver to try both ways', () => {
    expect(names('thanks @ann.')).toEqual(['ann.']);
    expect(mentionCandidates('Ann.')).toEqual(['ann.', 'ann']);
    expect(mentionCandidates('ann')).toEqual(['ann']);
  });

  it('ignores e-mail addresses and names inside code spans and fenced blocks', () => {
    expect(names('mail ann@example.com')).toEqual([]);
    expect(names('`@ann` and ```\n@bob\n``` but @carol')).toEqual(['carol']);
  });

  it('recognises @room outside code only', () => {
    expect(mentionsRoom('ping @room!')).toBe(true);
    expect(mentionsRoom('`@room`')).toBe(false);
  });
});
