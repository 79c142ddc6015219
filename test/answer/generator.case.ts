import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ExtractiveGenerator,
  type GenerateInput,
  type Generator,
  type GeneratorPart,
} from '../../src/answer/index.js';
import { buildTestIndex } from '../support/test-index.js';

/** A question the default corpus answers (Ahmed Jabari, in one of its news files). */
export const CONTRACT_QUESTION = 'Which Hamas leader was killed by the Israeli military?';

/**
 * The real input `askStream` gives a generator for `question` over the default corpus: the
 * engine is opened with a generator that records its input and answers extractively.
 */
async function realInput(question: string): Promise<{ input: GenerateInput; remove: () => Promise<void> }> {
  const index = await buildTestIndex();
  let captured: GenerateInput | undefined;
  const engine = await index.open({
    generator: (extractive) => ({
      id: 'recording',
      generate(input) {
        captured = input;
        return extractive.generate(input);
      },
    }),
  });
  await engine.ask({ question });
  if (!captured) throw new Error(`the engine refused "${question}", so no generator was called`);
  return { input: captured, remove: index.remove };
}

async function collect(generator: Generator, input: GenerateInput): Promise<GeneratorPart[]> {
  const parts: GeneratorPart[] = [];
  for await (const part of generator.generate(input)) parts.push(part);
  return parts;
}

/**
 * The contract every `Generator` keeps, on real retrieved passages: each citation comes after
 * the text that carries its `[n]` marker, citations are numbered 1, 2, … and quoting its source exactly,
 * at most one verdict and only at the end; an aborted signal rejects with an `AbortError`. Each
 * implementation's test calls it with a factory (given the extractive generator to fall back on).
 */
export function runGeneratorContract(name: string, create: (extractive: Generator) => Generator): void {
  describe(`${name} keeps the Generator contract`, () => {
    let input: GenerateInput;
    let generator: Generator;
    let remove: () => Promise<void>;
    beforeAll(async () => {
      ({ input, remove } = await realInput(CONTRACT_QUESTION));
      generator = create(new ExtractiveGenerator());
    });
    afterAll(() => remove());

    it('streams text, then each citation after its marker, numbered from 1, verdict last', async () => {
      const parts = await collect(generator, input);
      let text = '';
      const numbers: number[] = [];
      for (const [position, part] of parts.entries()) {
        if (part.type === 'text-delta') text += part.text;
        else if (part.type === 'citation') {
          expect(text).toContain(`[${part.citation.n}]`);
          numbers.push(part.citation.n);
        } else expect(position, 'the verdict is the last part').toBe(parts.length - 1);
      }
      expect(text).toContain('Jabari');
      const verdict = parts.at(-1);
      if (verdict?.type === 'verdict') expect(verdict.verdict.generator).toBe(generator.id);
      expect(numbers.length).toBeGreaterThan(0);
      expect(numbers).toEqual(numbers.map((_, index) => index + 1));
    });

    it('quotes every citation exactly from its source', async () => {
      const parts = await collect(generator, input);
      for (const part of parts) {
        if (part.type !== 'citation') continue;
        const { citation } = part;
        const source = input.sourceOf(citation.sourceId);
        expect(source.source).toBe(citation.source);
        expect(source.text.slice(citation.start, citation.end)).toBe(citation.quote);
        expect(citation.line).toBe(source.text.slice(0, citation.start).split('\n').length);
      }
    });

    it('rejects an already aborted signal with an AbortError', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(collect(generator, { ...input, signal: controller.signal })).rejects.toMatchObject({
        name: 'AbortError',
      });
    });
  });
}
