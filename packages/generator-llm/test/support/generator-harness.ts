import {
  createInMemorySequenceStorage,
  instantiatePlugin,
  type InstanceSandbox,
  type LocalizationResult,
  type Message,
  type ModelCallRecord,
  type Patch,
  type SequenceStorage,
} from '@codemonkeys/protocol';
import { createModelClient, type LlmModelClient } from '@codemonkeys/llm';
import { errorReply, startLoopbackModelServer, type LoopbackModelServer, type LoopbackRecordedRequest, type LoopbackReply, type LoopbackRequest } from '@codemonkeys/llm/testing';
import { createFixtureRepository, createTestPluginContext, type FixtureInstanceName, type FixtureRepository, type TestPluginContext } from '@codemonkeys/swebench/testing';
import { llmGeneratorPlugin, type LlmGeneratorOptionsInput } from '../../src/index';

/** Which conversation a request belongs to, from its first user message (re-asks and feedback keep it first). */
export type ConversationKind = 'edit' | 'combined' | 'test' | 'editing';

export function conversationOf(request: Pick<LoopbackRequest, 'messages'>): ConversationKind | 'unknown' {
  const question = request.messages.find((message) => message.role === 'user')?.content ?? '';
  if (question.includes('This reproduction test was written for the issue')) return 'editing';
  if (question.includes('Fix the issue and write a reproduction test for it')) return 'combined';
  if (question.includes('Write a reproduction test for the issue. Do not fix the issue')) return 'test';
  if (question.includes('# Your task\n\nFix the issue.')) return 'edit';
  return 'unknown';
}

/** A reply per call of each conversation kind, in order; an empty queue answers 400 naming the kind. */
export function scriptedConversations(script: Partial<Record<ConversationKind, Array<LoopbackReply | string | ((request: LoopbackRequest) => LoopbackReply | string)>>>) {
  const queues = new Map(Object.entries(script).map(([kind, replies]) => [kind, [...replies]]));
  return (request: LoopbackRequest): LoopbackReply | string => {
    const kind = conversationOf(request);
    const next = queues.get(kind)?.shift();
    if (next === undefined) return errorReply(400, { message: `no scripted reply left for the ${kind} conversation` });
    return typeof next === 'function' ? next(request) : next;
  };
}

export interface GenerateRun {
  instance?: FixtureInstanceName;
  localization?: LocalizationResult;
  runId?: string;
  signal?: AbortSignal;
}

export interface GeneratorHarness {
  server: LoopbackModelServer;
  model: LlmModelClient;
  context: TestPluginContext;
  fixture: FixtureRepository;
  storage: SequenceStorage;
  records: ModelCallRecord[];
  instanceId(name: FixtureInstanceName): string;
  /**
   * Runs the plugin with `options` on an instance (by default whole-file pointers to the files of its
   * fix). Every call is a new run (its own run id, so nothing is resumed) unless `runId` is given.
   */
  generate(options: LlmGeneratorOptionsInput, run?: GenerateRun): Promise<{ patches: Patch[]; messages: Message[] }>;
  /** Chat requests received since the last reset. */
  chats(): LoopbackRecordedRequest[];
  reset(): void;
  close(): Promise<void>;
}

/** Whole-file pointers to the files an instance's fix is in, as a localizer would return them. */
export function fileLocalization(paths: readonly string[]): LocalizationResult {
  return { content: paths.map((path) => ({ path, startLine: 1, endLine: 10_000, kind: 'file' as const })), metadata: {} };
}

export const defaultLocalization: Record<FixtureInstanceName, LocalizationResult> = {
  'word-count': fileLocalization(['textkit/words.py']),
  'sentence-stats': fileLocalization(['textkit/stats.py', 'textkit/sentences.py']),
  'wrap-hang': fileLocalization(['textkit/wrap.py']),
};

/** A fixture repository, a loopback model server and a real model client (no retries, priced) behind a test plugin context. */
export async function createGeneratorHarness(
  options: { instances?: FixtureInstanceName[]; sandboxFor?: (fixture: FixtureRepository) => (instanceId: string) => InstanceSandbox | undefined; storage?: SequenceStorage } = {},
): Promise<GeneratorHarness> {
  const fixture = await createFixtureRepository({ instances: options.instances ?? ['word-count', 'sentence-stats'] });
  const server = await startLoopbackModelServer();
  const records: ModelCallRecord[] = [];
  const storage = options.storage ?? createInMemorySequenceStorage();
  const model = createModelClient({
    endpoint: server.endpoint(),
    retry: { maxRetries: 0 },
    prices: { [server.model]: { inputPerMillion: 1, outputPerMillion: 2 } },
    recorder: async (batch) => {
      records.push(...batch);
    },
  });
  const context = createTestPluginContext({
    instances: fixture.instances,
    repositorySources: fixture.repositorySources,
    model,
    storage,
    ...(options.sandboxFor ? { sandbox: options.sandboxFor(fixture) } : {}),
  });
  let received = 0;
  let runs = 0;
  return {
    server,
    model,
    context,
    fixture,
    storage,
    records,
    instanceId: (name) => fixture.instance(name).instanceId,
    async generate(generatorOptions, run = {}) {
      const instance = run.instance ?? 'word-count';
      const localization = run.localization ?? defaultLocalization[instance];
      const runId = run.runId ?? `run-${++runs}`;
      const generator = await instantiatePlugin(llmGeneratorPlugin, generatorOptions, { ...context, runId, ...(run.signal ? { signal: run.signal } : {}) });
      const [patches, messages] = await generator.run(localization, fixture.instance(instance).instanceId);
      await model.flush();
      return { patches, messages };
    },
    chats: () => server.requests.slice(received).filter((request) => request.protocol === 'openai-chat'),
    reset() {
      received = server.requests.length;
      records.length = 0;
    },
    async close() {
      await model.close();
      await context.close();
      await server.close();
      await fixture.cleanup();
      if (!options.storage) await storage.close();
    },
  };
}
