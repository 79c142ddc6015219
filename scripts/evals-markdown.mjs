// Writes the figures section of EVALS.md from the reports scripts/update-evals.sh produced.
// Only the text between the two markers is replaced; the rest of EVALS.md is left as it is.
//   node scripts/evals-markdown.mjs evals/results EVALS.md
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// The metric rows are `footnote eval`'s own list, from the build (update-evals.sh builds first).
import { REPORT_METRICS } from '../dist/eval/index.js';

const [resultsDirectory = 'evals/results', target = 'EVALS.md'] = process.argv.slice(2);
const BEGIN =
  '<!-- figures:begin (written by scripts/update-evals.sh from evals/results/; edits in here are overwritten) -->';
const END = '<!-- figures:end -->';
const RETRIEVERS = ['hybrid', 'bm25', 'dense'];

const read = (file) => JSON.parse(readFileSync(path.join(resultsDirectory, file), 'utf8'));
const durations = existsSync(path.join(resultsDirectory, 'durations-ms.json'))
  ? read('durations-ms.json')
  : {};

function format(metric, value) {
  if (value === null || value === undefined) return '–';
  if (metric.startsWith('n_') || metric === 'n') return value.toLocaleString('en-US');
  if (metric.endsWith('_ms')) return `${value.toFixed(1)} ms`;
  return value.toFixed(3);
}

function table(set, targets, extra = {}) {
  const reports = Object.fromEntries(
    RETRIEVERS.map((retriever) => [retriever, read(`${set}-${retriever}.json`)]),
  );
  const extraColumns = Object.keys(extra);
  const lines = [
    `| metric | ${RETRIEVERS.map((retriever) => (retriever === 'hybrid' ? '**hybrid** (default)' : retriever)).join(' | ')} | target |${extraColumns.map((column) => ` ${column} |`).join('')}`,
    `|---|${RETRIEVERS.map(() => '--:').join('|')}|---|${extraColumns.map(() => '--:|').join('')}`,
  ];
  for (const metric of REPORT_METRICS) {
    const cells = RETRIEVERS.map((retriever) => format(metric, reports[retriever][metric]));
    lines.push(
      `| ${metric} | ${cells.join(' | ')} | ${targets[metric] ?? ''} |${extraColumns.map((column) => ` ${extra[column][metric] ?? ''} |`).join('')}`,
    );
  }
  const seconds = RETRIEVERS.map((retriever) => {
    const ms = durations[`${set}-${retriever}`];
    return ms === undefined ? '–' : `${(ms / 1000).toFixed(0)} s`;
  });
  lines.push(
    `| whole run (ingest check + all questions) | ${seconds.join(' | ')} | ${targets.run ?? ''} |${extraColumns.map(() => ' |').join('')}`,
  );
  return { text: lines.join('\n'), config: reports.hybrid.config };
}

function describeConfig(config) {
  const chunking = Object.entries(config.chunking ?? {})
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
  return `${config.corpus.sources.toLocaleString('en-US')} files, ${config.corpus.chunks.toLocaleString('en-US')} chunks; embedder ${config.embedder}, ${config.generator} answers, k = ${config.k}, grounding threshold ${config.groundingThreshold}; chunking: ${chunking}`;
}

const git = (...args) => {
  try {
    return execFileSync('git', args, { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};
const commit = git('rev-parse', '--short', 'HEAD');
const commands = existsSync(path.join(resultsDirectory, 'commands.json')) ? read('commands.json') : {};

// Issue 14's reporting halves: one column per set, each figure beside its target.
const HALVES = [
  {
    name: 'squad-part-a-report',
    title: 'SQuAD part A',
    targets: {
      hit_at_1: '≥ 0.82 ²',
      hit_at_5: '≥ 0.95 ²',
      first_sentence_contains: '≥ 0.7',
      citation_valid: '= 1',
    },
  },
  {
    name: 'squad-part-a-holdout-report',
    title: 'SQuAD part A `--holdout`',
    targets: {
      answer_contains: '≥ 0.8',
      citation_valid: '= 1',
      refusal_accuracy: '≥ 0.8',
      false_refusal_rate: '≤ 0.1',
    },
  },
  {
    name: 'bbc-questions-report',
    title: 'BBC questions',
    targets: {
      hit_at_3: '≥ 0.95',
      answer_contains: '≥ 0.85',
      citation_valid: '= 1',
      refusal_accuracy: '≥ 0.8',
      false_refusal_rate: '≤ 0.1',
    },
  },
  {
    name: 'corpus-questions-report',
    title: 'corpus questions',
    targets: {
      answer_contains: '≥ 0.9',
      citation_valid: '= 1',
      refusal_accuracy: '≥ 0.9',
      false_refusal_rate: '≤ 0.05',
    },
  },
];
const HALF_METRICS = REPORT_METRICS.filter(
  (metric) => metric !== 'ndcg_at_10' && metric !== 'citation_precision',
);

/** Whether a formatted value meets a target such as `≥ 0.8`, `≤ 0.1` or `= 1`. */
function meets(value, target) {
  const match = /^([≥≤=]) ([\d.]+)/.exec(target);
  if (!match || value === null || value === undefined) return undefined;
  const bound = Number(match[2]);
  if (match[1] === '≥') return value >= bound;
  if (match[1] === '≤') return value <= bound;
  return Math.abs(value - bound) < 1e-9;
}

function halvesSection() {
  const present = HALVES.filter((half) => existsSync(path.join(resultsDirectory, `${half.name}.json`)));
  if (present.length === 0) return '';
  const reports = present.map((half) => read(`${half.name}.json`));
  const lines = [
    `| metric | ${present.map((half) => half.title).join(' | ')} |`,
    `|---|${present.map(() => '--:').join('|')}|`,
  ];
  for (const metric of HALF_METRICS) {
    const cells = present.map((half, index) => {
      const value = reports[index][metric];
      const target = half.targets[metric];
      if (!target) return format(metric, value);
      const met = meets(value, target);
      return `${format(metric, value)} (${target}${met === undefined ? '' : met ? ' ✓' : ' **✗**'})`;
    });
    lines.push(`| ${metric} | ${cells.join(' | ')} |`);
  }
  const config = reports[0].config;
  const commandLines = present.map((half) => commands[half.name]).filter((command) => command !== undefined);
  const curves = present
    .filter((half) => existsSync(path.join('evals', 'curves', `${half.name}.svg`)))
    .map((half) => `![${half.title}: risk-coverage curve](evals/curves/${half.name}.svg)`);
  return `### Issue 14: the reporting halves

Each set's reporting half (\`--split report\`, see "Tuning half and reporting half" below), hybrid
retrieval, embedder ${config.embedder}, ${config.generator} answers, k = ${config.k}, grounding threshold ${config.groundingThreshold}. Targets from
issue 14 in brackets (✓ met, **✗** not met). Latencies depend on the machine's load (see "Reading the
numbers"). Each curve below plots, for every confidence threshold, the share of all questions
answered against the share of those answers that are right; the dot is where the system's own
refusals put it.

${lines.join('\n')}

² The no-regression targets for hit@1 and hit@5 are on the whole SQuAD part A (table below); the
reporting half is shown for comparison.

\`\`\`sh
${commandLines.join('\n')}
\`\`\`

${curves.join('\n')}

`;
}
const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';

const corpus = table('corpus-questions', {
  hit_at_3: '= 1',
  answer_contains: '≥ 0.9',
  citation_valid: '= 1',
  refusal_accuracy: '= 1',
  false_refusal_rate: '≤ 0.05',
});
const squad = table(
  'squad-part-a',
  {
    hit_at_1: '≥ 0.82',
    hit_at_5: '≥ 0.95',
    answer_contains: '≥ 0.72',
    citation_valid: '= 1',
    run: '< 5 min',
  },
  {
    'plain BM25 reference': {
      hit_at_1: '0.763',
      hit_at_5: '0.918',
      mrr: '0.831',
      answer_contains: '≈ 0.67 ¹',
    },
  },
);

const section = `${BEGIN}
Generated ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC at commit \`${commit}\` (plus any uncommitted changes in the working tree) on ${cpu}, ${os.cpus().length} cores, Node ${process.version}.

${halvesSection()}### Corpus questions (\`evals/corpus-questions.jsonl\` over \`corpus/\`)

${describeConfig(corpus.config)}.

${corpus.text}

\`\`\`sh
node bin/footnote.js eval evals/corpus-questions.jsonl --embedder glove --retriever hybrid --json evals/results/corpus-questions-hybrid.json
node bin/footnote.js eval evals/corpus-questions.jsonl --embedder glove --retriever bm25 --json evals/results/corpus-questions-bm25.json
node bin/footnote.js eval evals/corpus-questions.jsonl --embedder glove --retriever dense --json evals/results/corpus-questions-dense.json
\`\`\`

### SQuAD v1.1 dev, part A (\`../shared/datasets/squad/dev-v1.1-part-a.json\`, one paragraph = one document)

${describeConfig(squad.config)}.

${squad.text}

¹ For plain BM25 the reference is the share of questions whose single best BM25 *sentence* contains
the answer; Footnote's \`answer_contains\` checks its whole extractive answer, which can hold more
than one sentence, so the two are not strictly the same measure.

\`\`\`sh
node bin/footnote.js eval --squad ../shared/datasets/squad/dev-v1.1-part-a.json --embedder glove --retriever hybrid --json evals/results/squad-part-a-hybrid.json
node bin/footnote.js eval --squad ../shared/datasets/squad/dev-v1.1-part-a.json --embedder glove --retriever bm25 --json evals/results/squad-part-a-bm25.json
node bin/footnote.js eval --squad ../shared/datasets/squad/dev-v1.1-part-a.json --embedder glove --retriever dense --json evals/results/squad-part-a-dense.json
\`\`\`
${END}`;

const header = `# Evaluation results

How well Footnote finds the right source, answers, cites and refuses, measured with \`footnote eval\`.
Regenerate every figure below with \`scripts/update-evals.sh\`.

`;
const current = existsSync(target) ? readFileSync(target, 'utf8') : `${header}${BEGIN}\n${END}\n`;
const begin = current.indexOf(BEGIN);
const end = current.indexOf(END);
if (begin === -1 || end === -1 || end < begin) {
  throw new Error(
    `${target} has no figures markers; add the lines\n${BEGIN}\n${END}\nwhere the figures should go`,
  );
}
writeFileSync(target, `${current.slice(0, begin)}${section}${current.slice(end + END.length)}`);
