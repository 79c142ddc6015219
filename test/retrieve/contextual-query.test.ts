import { describe, expect, it } from 'vitest';
import { contextualQuery, needsContext } from '../../src/retrieve/index.js';

const history = [
  { role: 'user' as const, content: 'Which Hamas leader was killed by the Israeli military?' },
  { role: 'assistant' as const, content: 'The Israeli military killed Hamas leader Ahmed Jabari. [1]' },
];

describe('contextualQuery', () => {
  it('adds earlier user turns, at lower weight, to a follow-up that refers back', () => {
    const query = contextualQuery('And what did Hamas say about it?', history);
    expect(query.termWeights.get('say')).toBe(1);
    expect(query.termWeights.get('kill')).toBe(0.5);
    expect(query.termWeights.has('jabari')).toBe(false); // assistant turns are not searched for
    expect(query.lexicalText).toContain('Which Hamas leader was killed');
    expect(query.denseParts).toHaveLength(2);
    expect(query.text).toMatch(/in the context of: Which Hamas leader/);
  });

  it('leaves a self-contained question alone, so an earlier topic cannot pull it off course', () => {
    const query = contextualQuery('Who did Clinton meet in Cambodia?', history);
    expect([...query.termWeights.keys()].sort()).toEqual(['cambodia', 'clinton', 'meet']);
    expect(query.denseParts).toHaveLength(1);
  });

  it('recognises questions that need the conversation', () => {
    expect(needsContext('What did he die of?')).toBe(true);
    expect(needsContext('When did it become law?')).toBe(true);
    expect(needsContext('Why?')).toBe(true);
    expect(needsContext('What about Russia?')).toBe(true);
    expect(needsContext('Which Hamas leader was killed by the Israeli military?')).toBe(false);
  });
});
