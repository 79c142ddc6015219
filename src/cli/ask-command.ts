import { Command } from 'commander';
import type { Answer } from '../answer/index.js';
import { invalidRequest } from '../errors.js';
import type { RetrieverMode } from '../retrieve/index.js';
import { defaultRequestLimits, describeZodError, requestSchemas } from '../server/index.js';
import { describeLocation } from '../text/index.js';
import type { EnvironmentConfig } from './config.js';
import { withGeneratorOption, withIndexOptions, withRetrievalOptions } from './options.js';
import { createRuntime, openEngine, runIngest } from './runtime.js';

/** `footnote ask <question>`: answers one question from the index and prints it with its footnotes. */
export function askCommand(config: () => EnvironmentConfig): Command {
  return withGeneratorOption(withRetrievalOptions(withIndexOptions(new Command('ask'))))
    .description('Answer one question from the corpus, with numbered footnotes')
    .argument('<question...>', 'the question (quote it, or not)')
    .option('--json', 'print the same JSON object as POST /api/ask')
    .option('--corpus <dir>', 'corpus folder to ingest first when there is no index yet (default corpus/)')
    .action(
      async (
        words: string[],
        flags: {
          json?: boolean;
          indexDir?: string;
          embedder?: string;
          k?: number;
          retriever: RetrieverMode;
          corpus?: string;
          generator?: string;
        },
      ) => {
        // The same limits as POST /api/ask: a non-empty question of at most 2,000 characters, k in 1-20.
        const request = requestSchemas(defaultRequestLimits).ask.safeParse({
          question: words.join(' '),
          ...(flags.k === undefined ? {} : { k: flags.k }),
        });
        if (!request.success) throw invalidRequest(describeZodError(request.error));
        const runtime = createRuntime(config(), { ...flags, mode: flags.retriever });
        try {
          if (!(await runtime.store.currentGeneration())) {
            runtime.notice(
              `no index in ${runtime.store.location} yet; ingesting ${runtime.corpusDirectory} first`,
            );
            await runIngest(runtime, { quiet: true });
          }
          const engine = await openEngine(runtime, { ...flags, mode: flags.retriever });
          const answer = await engine.ask({ question: request.data.question });
          process.stdout.write(
            flags.json
              ? `${JSON.stringify(answer, null, 2)}\n`
              : formatAnswer(answer, process.stdout.isTTY ? { bold: ansiBold } : {}),
          );
        } finally {
          await runtime.store.close();
        }
      },
    );
}

/** How {@link formatAnswer} marks the part of a quote that answers. */
export interface FormatAnswerOptions {
  /** Wraps the answering span of a quote. @default Markdown-style `**span**` */
  bold: (text: string) => string;
}

/** Bold on an ANSI terminal. */
export const ansiBold = (text: string): string => `\u001b[1m${text}\u001b[22m`;

/**
 * The answer for a terminal: text, then one footnote per citation with the file, where in it
 * (`p. 3` for a PDF, `§Leave › Paid holiday` for a Word file, else the line) and the quote, the
 * quote's answering span (`answerSpan`) in bold.
 */
export function formatAnswer(answer: Answer, options: Partial<FormatAnswerOptions> = {}): string {
  const bold = options.bold ?? ((text: string) => `**${text}**`);
  const lines = [answer.answer, ''];
  for (const citation of answer.citations) {
    lines.push(
      `[${citation.n}] ${citation.source}, ${describeLocation(citation)} (chars ${citation.start}-${citation.end})`,
    );
    const span = citation.answerSpan;
    const quote =
      span && span.start >= citation.start && span.end <= citation.end
        ? `${citation.quote.slice(0, span.start - citation.start)}${bold(citation.quote.slice(span.start - citation.start, span.end - citation.start))}${citation.quote.slice(span.end - citation.start)}`
        : citation.quote;
    lines.push(`    “${quote.replace(/\s+/g, ' ')}”`);
  }
  if (answer.grounded !== false) lines.push(`confidence ${answer.confidence.toFixed(2)}`);
  if (!answer.grounded && answer.passages.length > 0) {
    lines.push('Closest passages (not an answer):');
    for (const passage of answer.passages.slice(0, 3)) {
      const preview = passage.text.replace(/\s+/g, ' ');
      const where =
        passage.page !== undefined || passage.section
          ? describeLocation(passage)
          : `lines ${passage.lineStart}-${passage.lineEnd}`;
      lines.push(
        `  - ${passage.source}, ${where}: ${preview.length > 160 ? `${preview.slice(0, 157)}…` : preview}`,
      );
    }
  }
  if (answer.unsupported?.length)
    lines.push(
      'Not supported by the cited passages:',
      ...answer.unsupported.map((sentence) => `  - ${sentence}`),
    );
  if (answer.notice && answer.grounded) lines.push(`note: ${answer.notice}`);
  return `${lines.join('\n').trimEnd()}\n`;
}
