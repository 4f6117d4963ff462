import type { ModelCallRecord } from '@codemonkeys/protocol';

/** `count` model calls of about `bytes` bytes each, spread over instances, stages and models as a run's are. */
export function benchModelCalls(count: number, bytes = 10_000, runId = 'bench-run'): ModelCallRecord[] {
  const words = ['def', 'return', 'self', 'import', 'class', 'value', 'patch', 'test', 'assert', 'line'];
  return Array.from({ length: count }, (_, index) => {
    let prompt = '';
    for (let word = index; prompt.length < bytes - 600; word += 7) prompt += `${words[word % words.length]} ${word % 97} `;
    return {
      id: `call-${String(index).padStart(6, '0')}`,
      experimentId: 'bench-experiment',
      runId,
      instanceId: `instance-${index % 50}`,
      stage: ['localize', 'generate', 'select', 'generate'][index % 4]!,
      sample: index % 10,
      kind: 'chat',
      endpoint: 'http://127.0.0.1:1/v1',
      model: ['model-a', 'model-b', 'model-c'][index % 3]!,
      request: {
        messages: [
          { role: 'system', content: 'You fix bugs.' },
          { role: 'user', content: prompt },
        ],
        temperature: 0.2,
        maxTokens: 1024,
      },
      response: { choices: [{ index: 0, message: { role: 'assistant', content: `answer ${index}` }, finishReason: 'stop' }] },
      usage: { inputTokens: 2500 + (index % 100), outputTokens: 200 + (index % 13), cacheReadTokens: 0, cacheWriteTokens: 0 },
      costUsd: 0.0021,
      latencyMs: 900 + (index % 50),
      cacheKey: `key-${index}`,
      cacheHit: index % 9 === 0,
      retries: index % 31 === 0 ? 1 : 0,
      status: index % 53 === 0 ? 'error' : 'ok',
      createdAt: new Date(Date.UTC(2026, 0, 1) + index * 1000).toISOString(),
    } satisfies ModelCallRecord;
  });
}

export const seconds = (milliseconds: number): string => `${(milliseconds / 1000).toFixed(2)} s`;
export const perSecond = (count: number, milliseconds: number): number => Math.round(count / (milliseconds / 1000));

/** Median time of `repeat` runs of `task`, in milliseconds. */
export async function medianMs(repeat: number, task: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < repeat; run += 1) {
    const start = performance.now();
    await task();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function timeMs(task: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await task();
  return performance.now() - start;
}
