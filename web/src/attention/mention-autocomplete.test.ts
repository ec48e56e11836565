import { completeMention, mentionQuery, mentionSuggestions } from './mention-autocomplete';

describe('mention autocomplete', () => {
  it('finds the @partial at the caret, not inside an e-mail address', () => {
    expect(mentionQuery('hi @an', 6)).toEqual({ start: 3, query: 'an' });
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQuery('mail a@b', 8)).toBeUndefined();
    expect(mentionQuery('hi @ann there', 13)).toBeUndefined();
  });

  it('suggests members by prefix, any case, never me, @room when it matches and I may use it', () => {
    const members = [{ id: '1', username: 'Ann' }, { id: '2', username: 'anna' }, { id: '3', username: 'bob' }, { id: '4', username: 'me' }];
    expect(mentionSuggestions(members, 'an', '4', true)).toEqual(['Ann', 'anna']);
    expect(mentionSuggestions(members, 'r', '4', true)).toEqual(['room']);
    expect(mentionSuggestions(members, '', '4', true)).toEqual(['room', 'Ann', 'anna', 'bob']);
    expect(mentionSuggestions(members, 'r', '4')).toEqual([]);
    expect(mentionSuggestions(members, '', '4', false)).toEqual(['Ann', 'anna', 'bob']);
  });

  it('replaces the partial with the name and a space', () => {
    expect(completeMention('hi @an!', 3, 6, 'Ann')).toEqual({ text: 'hi @Ann !', caret: 8 });
  });
});
