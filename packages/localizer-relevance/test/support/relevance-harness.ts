import { createInMemorySequenceStorage, type ModelCallRecord, type SequenceStorage } from '@codemonkeys/protocol';
import { createModelClient, type EndpointLimits, type LlmModelClient } from '@codemonkeys/llm';
import { errorReply, startLoopbackModelServer, type LoopbackModelServer, type LoopbackReply, type LoopbackRecordedRequest, type LoopbackRequest } from '@codemonkeys/llm/testing';
import { createFixtureRepository, createTestPluginContext, type FixtureInstanceName, type FixtureRepository, type TestPluginContext } from '@codemonkeys/swebench/testing';

export const judgeModelName = 'cheap-judge';
export const rankerModelName = 'strong-ranker';

/** `judge` for per-file judgments, `rank` for rankings, from the system prompt of the request. */
export function callKindOf(request: Pick<LoopbackRecordedRequest, 'messages'>): 'judge' | 'rank' | 'unknown' {
  const system = request.messages.find((message) => message.role === 'system')?.content ?? '';
  if (system.startsWith('You decide whether one file')) return 'judge';
  if (system.startsWith('You choose the context')) return 'rank';
  return 'unknown';
}

/** The path a judgment request is about. */
export function judgedPathOf(request: Pick<LoopbackRecordedRequest, 'messages'>): string | undefined {
  const question = request.messages.find((message) => message.role === 'user')?.content ?? '';
  return /^File: (.+)$/m.exec(question)?.[1];
}

export const relevant = (summary: string): string => `This file matters.\nRELEVANCE: Relevant\nSUMMARY: ${summary}`;
export const notRelevant = 'Unrelated to the issue.\nRELEVANCE: Not Relevant';
export const rankingReply = (paths: string[]): string => `Thinking about the budget...\n\`\`\`json\n${JSON.stringify(paths, null, 1)}\n\`\`\``;

/**
 * A handler for both kinds of call: `judge(path, attempt)` answers a judgment (attempt 1 is a re-ask);
 * rankings come from `rank(attempt)` or else from `rankings`, in order of arrival. Unscripted calls get a
 * 400 naming what was missing.
 */
export function relevanceHandler(script: {
  judge: (path: string, attempt: number) => LoopbackReply | string;
  rankings?: Array<LoopbackReply | string>;
  rank?: (attempt: number) => LoopbackReply | string;
}) {
  const rankings = [...(script.rankings ?? [])];
  return (request: LoopbackRequest): LoopbackReply | string => {
    const kind = callKindOf(request);
    const attempt = request.messages.length > 2 ? 1 : 0;
    if (kind === 'judge') return script.judge(judgedPathOf(request) ?? '', attempt);
    if (kind === 'rank') return script.rank?.(attempt) ?? rankings.shift() ?? errorReply(400, { message: 'no scripted ranking left' });
    return errorReply(400, { message: 'not a relevance call' });
  };
}

export interface RelevanceHarness {
  server: LoopbackModelServer;
  fixture: FixtureRepository;
  records: ModelCallRecord[];
  /** A context whose `judge` and `ranker` roles are clients of the loopback server with their own model names. */
  createContext(options?: { judgeLimits?: EndpointLimits; storage?: SequenceStorage; signal?: AbortSignal }): TestPluginContext;
  instanceId(name: FixtureInstanceName): string;
  close(): Promise<void>;
}

let endpointCounter = 0;

export async function createRelevanceHarness(options: { instances?: FixtureInstanceName[]; latencyMs?: number } = {}): Promise<RelevanceHarness> {
  const fixture = await createFixtureRepository({ instances: options.instances ?? ['sentence-stats'] });
  const server = await startLoopbackModelServer({ latencyMs: options.latencyMs ?? 0 });
  const records: ModelCallRecord[] = [];
  const clients: LlmModelClient[] = [];
  const contexts: TestPluginContext[] = [];
  const client = (defaultModel: string, limits: EndpointLimits = {}): LlmModelClient => {
    // Limits are shared per endpoint name in the process: a fresh name keeps each test's limits its own.
    endpointCounter += 1;
    const model = createModelClient({
      endpoint: server.endpoint({ defaultModel, name: `loopback-${defaultModel}-${endpointCounter}` }),
      limits,
      retry: { maxRetries: 0 },
      prices: { [judgeModelName]: { inputPerMillion: 0.1, outputPerMillion: 0.4 }, [rankerModelName]: { inputPerMillion: 3, outputPerMillion: 15 } },
      recorder: async (batch) => {
        records.push(...batch);
      },
    });
    clients.push(model);
    return model;
  };
  return {
    server,
    fixture,
    records,
    createContext(contextOptions = {}) {
      const judge = client(judgeModelName, contextOptions.judgeLimits);
      const ranker = client(rankerModelName);
      const context = createTestPluginContext({
        instances: fixture.instances,
        repositorySources: fixture.repositorySources,
        model: ranker,
        models: { judge, ranker },
        storage: contextOptions.storage ?? createInMemorySequenceStorage(),
        ...(contextOptions.signal ? { signal: contextOptions.signal } : {}),
      });
      contexts.push(context);
      return context;
    },
    instanceId: (name) => fixture.instance(name).instanceId,
    async close() {
      for (const model of clients) await model.close();
      for (const context of contexts) await context.close();
      await server.close();
      await fixture.cleanup();
    },
  };
}
