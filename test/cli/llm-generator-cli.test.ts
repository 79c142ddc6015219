import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAiServer, promptPassages, startFakeOpenAi } from '../support/fake-openai-server.js';

// The CLI as users run it (the built bin; `npm test` builds first), pointed at a fake LLM.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 'footnote.js');

let directory: string;
let fake: FakeOpenAiServer;
let serving: ChildProcess | undefined;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'footnote-llm-cli-'));
  // A well-behaved model: the first sentence of passage [1], cited.
  fake = await startFakeOpenAi((request) => {
    const first = promptPassages(request).get(1) ?? '';
    return { text: `${/^[^.!?]+[.!?]/.exec(first)?.[0] ?? first} [1]` };
  });
});
afterAll(async () => {
  if (serving?.pid && serving.exitCode === null) serving.kill('SIGTERM');
  await fake.close();
  await rm(directory, { recursive: true, force: true });
});

function environment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('FOOTNOTE_') && !name.startsWith('OPENAI_'),
    ),
  );
  return { ...base, FOOTNOTE_INDEX_DIR: path.join(directory, 'state'), FOOTNOTE_EMBEDDER: 'glove', ...extra };
}
const llm = () => ({ FOOTNOTE_LLM_BASE_URL: fake.baseUrl, FOOTNOTE_LLM_MODEL: 'fake-model' });

function footnote(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('--generator llm from the command line', () => {
  it('footnote ask answers through the configured model', async () => {
    fake.requests.length = 0;
    const result = await footnote(
      ['ask', '--generator', 'llm', '--json', 'Which Hamas leader was killed by the Israeli military?'],
      environment(llm()),
    );
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout) as { generator: string; answer: string; citations: unknown[] };
    expect(answer.generator).toBe('llm:fake-model');
    expect(answer.answer).toMatch(/\[1\]$/);
    expect(answer.citations).toHaveLength(1);
    expect(fake.requests.length).toBe(1);
  });

  it('stops with one clear line when the model is not configured', async () => {
    const result = await footnote(
      ['ask', '--generator', 'llm', 'Which Hamas leader was killed?'],
      environment({ FOOTNOTE_LLM_BASE_URL: fake.baseUrl }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('footnote: --generator llm needs a model: set FOOTNOTE_LLM_MODEL');
    expect(result.stderr).not.toContain('    at ');
  });

  it('footnote eval uses the generator from FOOTNOTE_GENERATOR and reports it', async () => {
    const questions = path.join(directory, 'questions.jsonl');
    await writeFile(
      questions,
      `${JSON.stringify({ id: 'jabari', question: 'Which Hamas leader did the Israeli army kill?', answers: ['Jabari'], sources: ['002_c15813028621ca03.txt'] })}\n`,
    );
    const output = path.join(directory, 'report.json');
    const result = await footnote(
      ['eval', questions, '--json', output],
      environment({ ...llm(), FOOTNOTE_GENERATOR: 'llm' }),
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(await readFile(output, 'utf8')) as { config: { generator: string } };
    expect(report.config.generator).toBe('llm:fake-model');
    expect(result.stdout + result.stderr).toContain('llm:fake-model');
    const extractive = await footnote(
      ['eval', questions, '--generator', 'extractive', '--json', output],
      environment({ ...llm(), FOOTNOTE_GENERATOR: 'llm' }),
    );
    expect(extractive.code).toBe(0);
    expect(
      (JSON.parse(await readFile(output, 'utf8')) as { config: { generator: string } }).config.generator,
    ).toBe('extractive');
  });

  it('footnote serve --generator llm serves /v1/chat/completions from the model', async () => {
    serving = spawn(process.execPath, [BIN, 'serve', '--generator', 'llm', '--port', '0'], {
      cwd: ROOT,
      env: environment(llm()),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let log = '';
      serving!.stderr!.on('data', (data: Buffer) => {
        log += data.toString();
        const match = /Footnote is serving (http:\/\/\S+) \(.*llm:fake-model answers\)/.exec(log);
        if (match) resolve(match[1]!);
      });
      serving!.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${log}`)));
    });
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'footnote',
      messages: [{ role: 'user', content: 'Which Hamas leader was killed by the Israeli military?' }],
    });
    expect(completion.choices[0]!.message.content).toMatch(/\[1\]$/);
    expect((completion as unknown as { footnote: { generator: string } }).footnote.generator).toBe(
      'llm:fake-model',
    );
    serving.kill('SIGTERM');
    expect(await new Promise((resolve) => serving!.once('exit', resolve))).toBe(0);
  });
});
