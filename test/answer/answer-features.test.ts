import { describe, expect, it } from 'vitest';
import {
  ABSTAINER_FEATURES,
  candidateFeatures,
  type FeatureContext,
  questionFeatures,
} from '../../src/answer/answer-features.js';
import { analyzeQuestion } from '../../src/answer/question-analysis.js';
import type { ScoredSentence } from '../../src/answer/types.js';

/** Every term weighs the same and every passage scores alike, so only the words decide. */
const context: FeatureContext = {
  idf: () => 1,
  documentFrequency: () => 1,
  maxIdf: 1,
  passageScore: () => 1,
  sourceCoverage: () => 1,
  passageCoverage: () => 1,
  titleTerms: () => new Set(),
};

function sentence(text: string): ScoredSentence {
  return {
    passageIndex: 0,
    sourceId: 'a.txt',
    start: 0,
    end: text.length,
    text,
    score: 0.5,
    coverage: 0.5,
    similarity: 0.5,
    typeMatch: false,
  };
}

async function features(question: string, texts: string[]) {
  return candidateFeatures(analyzeQuestion(question), question, texts.map(sentence), context);
}

describe('candidateFeatures', () => {
  it('gives the alignment of the worst-aligned question word, and of the worst focus word', async () => {
    const [all, missing] = await features('Who founded Softbank?', [
      'Masayoshi Son founded Softbank in 1981.',
      'Softbank grew quickly.',
    ]);
    expect(all!.weakest).toEqual({ all: 1, focus: 1 });
    // "founded" has no match in the second sentence: one missing asked-for word is enough.
    expect(missing!.weakest).toEqual({ all: 0, focus: 0 });
  });

  it('counts a morphological variant as nearly aligned', async () => {
    const [variant] = await features('Who directed the film?', ['The director of the film is Vinod Pande.']);
    expect(variant!.weakest.all).toBeCloseTo(0.9 / 1.5, 5);
  });
});

describe('questionFeatures', () => {
  it('reads the weakest alignments of the top candidate and the best of all', async () => {
    const candidates = await features('Who founded Softbank?', [
      'Softbank grew quickly.',
      'Masayoshi Son founded Softbank in 1981.',
    ]);
    const ranked = candidates.map((candidate) => ({ candidate }));
    const values = questionFeatures(ranked, { unknownShare: 0, corpusFocus: 1, factoid: true, terms: 2 });
    const feature = (name: (typeof ABSTAINER_FEATURES)[number]) => values[ABSTAINER_FEATURES.indexOf(name)];
    expect(values).toHaveLength(ABSTAINER_FEATURES.length);
    expect(feature('top_weakest_alignment')).toBe(0);
    expect(feature('best_weakest_alignment')).toBe(1);
    expect(feature('top_weakest_focus')).toBe(0);
  });
});
