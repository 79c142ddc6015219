import { describe, expect, it } from 'vitest';
import { isNonProse } from '../../src/answer/answer-features.js';
import { analyzeQuestion, expectedType } from '../../src/answer/question-analysis.js';
import { answerSpans, typedSpans } from '../../src/answer/sentence-analysis.js';

describe('expectedType', () => {
  it.each([
    ['Who founded Softbank?', 'person'],
    ['How much did Microsoft pay to buy Skype?', 'money'],
    ['How much of the land is forest?', 'number'],
    ['How much paid holiday per year do part-time employees get?', 'number'],
    ['How many people live in Leeds?', 'number'],
    ['What percentage of voters backed the plan?', 'percent'],
    ['How tall is the Eiffel Tower?', 'measure'],
    ['How long did the strike last?', 'duration'],
    ['When was the treaty signed?', 'date'],
    ['In what year did Euronext buy Liffe?', 'date'],
    ['What time does the market open?', 'time'],
    ['Where did the envoy travel next?', 'place'],
    ['Which city hosted the summit?', 'place'],
    ['Which company bought Skype?', 'organization'],
    ['What is the population of Leeds?', 'number'],
    ['Why does Moscow oppose the resolution?', 'reason'],
    ['How did the firm cut its costs?', 'manner'],
    ['What is the second round of talks called?', 'name'],
    ['What did Putin say about the act?', 'none'],
  ])('%s → %s', (question, type) => {
    expect(expectedType(question)).toBe(type);
  });
});

describe('analyzeQuestion', () => {
  it('splits the named topic from the focus', () => {
    const analysis = analyzeQuestion('Who founded Softbank?');
    expect(analysis.type).toBe('person');
    expect([...analysis.topic]).toEqual(['softbank']);
    expect([...analysis.focus]).toEqual(['found']);
  });

  it('counts numbers and capitalised words after the first as topic', () => {
    const analysis = analyzeQuestion('What did the 2005 budget of South Africa cut corporate tax to?');
    expect([...analysis.topic].sort()).toEqual(['2005', 'africa', 'south']);
    expect(analysis.focus.has('corpor')).toBe(true);
    expect(analysis.focus.has('budget')).toBe(true);
  });
});

describe('typedSpans', () => {
  const sentence =
    'Microsoft paid $8.5 billion for Skype on 10 May 2011, about 25% more than analysts expected, and the 3 km road took two years.';

  it('finds money, dates, percentages, durations and measures at exact offsets', () => {
    const spans = typedSpans(sentence);
    const byType = (type: string) => spans.filter((span) => span.type === type).map((span) => span.text);
    expect(byType('money')).toEqual(['$8.5 billion']);
    expect(byType('date')).toEqual(['10 May 2011']);
    expect(byType('percent')).toEqual(['25%']);
    expect(byType('duration')).toEqual(['two years']);
    expect(byType('measure')).toEqual(['3 km']);
    for (const span of spans) expect(sentence.slice(span.start, span.end)).toBe(span.text);
  });

  it('finds runs of proper nouns as names', () => {
    const names = typedSpans('The envoy Lakhdar Brahimi visited New York on Monday.')
      .filter((span) => span.type === 'name')
      .map((span) => span.text);
    expect(names).toContain('Lakhdar Brahimi');
    expect(names).toContain('New York');
  });
});

describe('answerSpans', () => {
  it('never offers a name the question already holds', () => {
    const spans = typedSpans('Masayoshi Son founded Softbank in 1981.');
    const question = analyzeQuestion('Who founded Softbank?');
    const answers = answerSpans('person', spans, new Set(question.terms)).map((span) => span.text);
    expect(answers).toEqual(['Masayoshi Son']);
  });

  it('takes a year for "when" and money before a bare number for "how much"', () => {
    expect(answerSpans('date', typedSpans('It was founded in 1981 by 12 people.'), new Set())[0]?.text).toBe(
      '1981',
    );
    expect(answerSpans('money', typedSpans('Its 3 shops sold for £40m last year.'), new Set())[0]?.text).toBe(
      '£40m',
    );
  });

  it('finds no span for a factoid question the sentence cannot answer', () => {
    expect(answerSpans('money', typedSpans('The deal was welcomed by investors.'), new Set())).toEqual([]);
  });
});

describe('isNonProse', () => {
  it.each([
    ["# Grandma's lemon cake", true],
    ['| Ingredient | Amount |', true],
    ['Table 2: Results by year', true],
    ['Ingredients', true],
    ['Russia said the vote would not be productive.', false],
    ['The cake needs three eggs, sugar and flour, beaten for ten minutes until pale', false],
  ])('%s → %s', (line, expected) => {
    expect(isNonProse(line)).toBe(expected);
  });
});
