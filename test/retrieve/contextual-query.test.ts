import { describe, expect, it } from 'vitest';
import { contextualQuery, namesIn, needsContext } from '../../src/retrieve/index.js';

const history = [
  { role: 'user' as const, content: 'Which Hamas leader was killed by the Israeli military?' },
  { role: 'assistant' as const, content: 'The Israeli military killed Hamas leader Ahmed Jabari. [1]' },
];

describe('contextualQuery', () => {
  it('adds earlier user turns, at lower weight, to a follow-up that refers back', () => {
    const query = contextualQuery('And what did Hamas say about it?', history);
    expect(query.termWeights.get('say')).toBe(1);
    expect(query.termWeights.get('kill')).toBe(0.5);
    // Of the assistant's answer only its names are searched for, at the earlier turns' weight.
    expect(query.termWeights.get('jabari')).toBe(0.5);
    expect(query.lexicalText).toContain('Which Hamas leader was killed');
    expect(query.denseParts).toHaveLength(3);
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

  it('takes a short question that names its own topic as self-contained', () => {
    expect(needsContext('What is the capital of Australia?')).toBe(false);
    expect(needsContext('What about Russia?')).toBe(true);
  });

  it('adds the names of the previous answer to a follow-up that points back at one', () => {
    const query = contextualQuery('Which city was he visiting?', [
      { role: 'user', content: 'Who was the UN-Arab League envoy?' },
      {
        role: 'assistant',
        content: 'The UN-Arab League envoy for Syria, Lakhdar Brahimi, was at the summit. [1]',
      },
    ]);
    expect(query.termWeights.get('brahimi')).toBe(0.5);
    expect(query.termWeights.get('lakhdar')).toBe(0.5);
    expect(query.termWeights.get('citi')).toBe(1);
    const alone = contextualQuery('Which city did Lakhdar Brahimi visit?', [
      { role: 'assistant', content: 'Hamas leader Ahmed Jabari was killed. [1]' },
    ]);
    expect(alone.termWeights.has('jabari')).toBe(false);
  });

  it('finds the names in an answer, not capitalised sentence starts', () => {
    expect(namesIn('The envoy, Lakhdar Brahimi, met Sergey Lavrov. [1] Officials said so. [2]')).toEqual([
      'Lakhdar Brahimi',
      'Sergey Lavrov',
    ]);
  });
});
