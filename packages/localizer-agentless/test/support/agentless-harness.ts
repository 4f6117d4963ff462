import type { ModelCallRecord } from '@codemonkeys/protocol';
import { createModelClient, type LlmModelClient } from '@codemonkeys/llm';
import { errorReply, startLoopbackModelServer, type LoopbackModelServer, type LoopbackReply, type LoopbackRequest } from '@codemonkeys/llm/testing';
import { createFixtureRepository, createTestPluginContext, type FixtureInstanceName, type FixtureRepository, type TestPluginContext } from '@codemonkeys/swebench/testing';

export type AgentlessLevel = 'folders' | 'files' | 'elements' | 'edits';

/** Which level a request belongs to, from its first user message (a re-ask keeps the original question first). */
export function levelOf(request: Pick<LoopbackRequest, 'messages'>): AgentlessLevel | 'unknown' {
  const question = request.messages.find((message) => message.role === 'user')?.content ?? '';
  if (question.includes('name the folders that are irrelevant')) return 'folders';
  if (question.includes('### Repository structure ###')) return 'files';
  if (question.includes('### Skeletons ###')) return 'elements';
  if (question.includes('### Code ###')) return 'edits';
  return 'unknown';
}

/**
 * A loopback handler that answers each level from its own queue of scripted replies. An empty queue
 * answers 400 naming the level, so a test that calls more than it scripted sees a failed level.
 */
export function scriptedLevels(script: Partial<Record<AgentlessLevel, Array<LoopbackReply | string>>>) {
  const queues = new Map(Object.entries(script).map(([level, replies]) => [level, [...replies]]));
  return (request: LoopbackRequest): LoopbackReply | string => {
    const level = levelOf(request);
    const next = queues.get(level)?.shift();
    return next ?? errorReply(400, { message: `no scripted reply left for level ${level}` });
  };
}

export interface AgentlessHarness {
  server: LoopbackModelServer;
  model: LlmModelClient;
  context: TestPluginContext;
  fixture: FixtureRepository;
  records: ModelCallRecord[];
  instanceId(name: FixtureInstanceName): string;
  /** Texts of every message of every request at `level`. */
  texts(level?: AgentlessLevel): string[];
  close(): Promise<void>;
}

/** A fixture repository, a loopback model server and a real model client (no retries, priced) behind a test plugin context. */
export async function createAgentlessHarness(options: { instances?: FixtureInstanceName[] } = {}): Promise<AgentlessHarness> {
  const fixture = await createFixtureRepository({ instances: options.instances ?? ['word-count', 'sentence-stats'] });
  const server = await startLoopbackModelServer();
  const records: ModelCallRecord[] = [];
  const model = createModelClient({
    endpoint: server.endpoint(),
    retry: { maxRetries: 0 },
    prices: { [server.model]: { inputPerMillion: 1, outputPerMillion: 2 } },
    recorder: async (batch) => {
      records.push(...batch);
    },
  });
  const context = createTestPluginContext({ instances: fixture.instances, repositorySources: fixture.repositorySources, model });
  return {
    server,
    model,
    context,
    fixture,
    records,
    instanceId: (name) => fixture.instance(name).instanceId,
    texts: (level) =>
      server.requests
        .filter((request) => request.protocol === 'openai-chat' && (level === undefined || levelOf(request) === level))
        .flatMap((request) => request.messages.map((message) => message.content)),
    async close() {
      await model.close();
      await context.close();
      await server.close();
      await fixture.cleanup();
    },
  };
}
