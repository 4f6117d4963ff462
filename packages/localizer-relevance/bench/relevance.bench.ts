/**
 * What concurrency and the judgment cache buy, measured against baselines in the same run: 120 candidate
 * files judged through a loopback endpoint that answers after 20 ms (a fast local model), with
 * concurrency 1 (the baseline), 32, and a warm-cache rerun. Prints wall times and ratios.
 *
 * Run: npm run bench (after a build of core and llm).
 */
import { InstanceSchema, createInMemorySequenceStorage, instantiatePlugin, silentLogger, toTask, type PluginContext, type SequenceStorage } from '@codemonkeys/protocol';
import { createInMemoryWorkspace } from '@codemonkeys/protocol/testkit';
import { createModelClient } from '@codemonkeys/llm';
import { startLoopbackModelServer } from '@codemonkeys/llm/testing';
import relevance from '../src/index';

const fileCount = 120;
const latencyMs = 20;
const files: Record<string, string> = {};
for (let index = 0; index < fileCount; index += 1) {
  const body = Array.from({ length: 60 }, (_, line) => `    value_${line} = compute_${index}(value_${Math.max(0, line - 1)})`).join('\n');
  files[`pkg/module_${String(index).padStart(3, '0')}.py`] = `"""Module ${index}."""\n\n\ndef compute_${index}(value):\n${body}\n    return value\n`;
}
const instance = InstanceSchema.parse({
  instanceId: 'bench__pkg-1',
  repo: 'bench/pkg',
  baseCommit: 'c'.repeat(40),
  patch: '',
  testPatch: '',
  problemStatement: 'compute_7 returns the wrong value for negative inputs.',
  failToPass: [],
  passToPass: [],
});

const server = await startLoopbackModelServer({
  latencyMs,
  handler: (request) => {
    const text = request.messages.map((message) => message.content).join('\n');
    if (text.includes('You choose the context')) return '```json\n["pkg/module_007.py", "pkg/module_017.py"]\n```';
    return /File: pkg\/module_0[01]7\.py/.test(text) ? 'RELEVANCE: Relevant\nSUMMARY: defines compute.' : 'RELEVANCE: Not Relevant';
  },
});
const model = createModelClient({ endpoint: server.endpoint({ name: 'bench-loopback' }), limits: { maxConcurrent: 64 }, retry: { maxRetries: 0 } });
const workspace = createInMemoryWorkspace({ instanceId: instance.instanceId, files });

function contextWith(storage: SequenceStorage): PluginContext {
  return {
    task: async () => toTask(instance),
    workspace: async () => workspace,
    model,
    modelFor: () => model,
    sandbox: () => undefined,
    storage,
    logger: silentLogger,
    signal: new AbortController().signal,
    hypers: {},
    experimentId: 'bench',
    runId: 'bench',
  };
}

async function timed(label: string, options: Record<string, unknown>, storage: SequenceStorage): Promise<number> {
  server.reset();
  const localizer = await instantiatePlugin(relevance, { ...options, rankings: 3 }, contextWith(storage));
  const started = performance.now();
  const result = await localizer.run(instance.instanceId);
  const elapsed = performance.now() - started;
  const calls = server.requestCount('openai-chat');
  console.log(
    `${label.padEnd(34)} ${elapsed.toFixed(0).padStart(6)} ms  ${String(calls).padStart(4)} calls  peak ${server.maxActiveRequests} in flight  (${(result.content as unknown[]).length} files)`,
  );
  return elapsed;
}

console.log(`relevance localizer: ${fileCount} files, endpoint latency ${latencyMs} ms\n`);
const sequential = await timed('concurrency 1 (baseline)', { concurrency: 1 }, createInMemorySequenceStorage());
const storage = createInMemorySequenceStorage();
const concurrent = await timed('concurrency 32, cold cache', { concurrency: 32 }, storage);
const warm = await timed('concurrency 32, warm cache (rerun)', { concurrency: 32 }, storage);
console.log(`\nconcurrency 32 vs 1: ${(sequential / concurrent).toFixed(1)}x faster`);
console.log(`warm cache vs cold: ${(concurrent / warm).toFixed(1)}x faster`);

await model.close();
await server.close();
