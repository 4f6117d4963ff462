import { InstanceSchema, createInMemorySequenceStorage, instantiatePlugin, silentLogger, toTask, type PluginContext } from '@codemonkeys/protocol';
import { createInMemoryWorkspace } from '@codemonkeys/protocol/testkit';
import { createModelClient, type LlmModelClient } from '@codemonkeys/llm';
import { startLoopbackModelServer, type LoopbackModelServer } from '@codemonkeys/llm/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { agentlessPlugin, type AgentlessMetadata } from '../src/index';
import { levelOf, scriptedLevels } from './support/agentless-harness';

const instance = InstanceSchema.parse({
  instanceId: 'owner__engine-7',
  repo: 'owner/engine',
  baseCommit: 'b'.repeat(40),
  patch: '',
  testPatch: '',
  problemStatement: 'The engine crashes when started twice.',
  failToPass: [],
  passToPass: [],
});
const files = {
  'pkg/core/engine.py': 'class Engine:\n    def start(self):\n        pass\n',
  'pkg/contrib/extra.py': 'X = 1\n',
  'pkg/contrib/more/deep.py': 'Y = 2\n',
  'scripts/release.py': 'print("release")\n',
  'docs/conf.py': 'project = "engine"\n',
};

let server: LoopbackModelServer;
let model: LlmModelClient;
let context: PluginContext;
beforeAll(async () => {
  server = await startLoopbackModelServer();
  model = createModelClient({ endpoint: server.endpoint(), retry: { maxRetries: 0 } });
  const workspace = createInMemoryWorkspace({ instanceId: instance.instanceId, files });
  context = {
    task: async () => toTask(instance),
    workspace: async () => workspace,
    model,
    modelFor: () => model,
    sandbox: () => undefined,
    storage: createInMemorySequenceStorage(),
    logger: silentLogger,
    signal: new AbortController().signal,
    hypers: {},
    experimentId: 'experiment',
    runId: 'run',
  };
});
afterAll(async () => {
  await model.close();
  await server.close();
});

it('asks for irrelevant folders first and leaves them out of the tree the file level sees', async () => {
  server.setHandler(scriptedLevels({ folders: ['```\npkg/contrib/\nscripts\nvendor/\n```'], files: ['```\npkg/core/engine.py\n```'] }));
  const localizer = await instantiatePlugin(agentlessPlugin, { irrelevantFolders: true, depth: 'files' }, context);
  const result = await localizer.run(instance.instanceId);
  const metadata = result.metadata as unknown as AgentlessMetadata;

  const [foldersQuestion, filesQuestion] = server.requests.map((request) => request.messages[1]!.content);
  expect(server.requests.map(levelOf)).toEqual(['folders', 'files']);
  expect(foldersQuestion).toContain('pkg/\n    contrib/\n        more/\n            deep.py\n        extra.py\n    core/\n        engine.py\nscripts/\n    release.py');
  expect(foldersQuestion).not.toContain('conf.py');
  expect(filesQuestion).toContain('pkg/\n    core/\n        engine.py');
  expect(filesQuestion).not.toContain('contrib');
  expect(filesQuestion).not.toContain('scripts');
  expect(metadata.levels.irrelevantFolders).toMatchObject({ status: 'ok', folders: ['pkg/contrib', 'scripts'], prunedFiles: 3, dropped: [{ named: 'vendor' }] });
  expect(metadata.levels.files.treeFiles).toBe(1);
  expect(result.content).toEqual([{ path: 'pkg/core/engine.py', startLine: 1, endLine: 3, kind: 'file', score: 1 }]);
  expect(metadata.total.calls).toBe(2);
});

it('keeps the whole tree when the folders named would remove every file', async () => {
  server.reset();
  server.setHandler(scriptedLevels({ folders: ['```\npkg\nscripts\n```'], files: ['```\npkg/core/engine.py\n```'] }));
  const localizer = await instantiatePlugin(agentlessPlugin, { irrelevantFolders: true, depth: 'files' }, context);
  const metadata = (await localizer.run(instance.instanceId)).metadata as unknown as AgentlessMetadata;
  expect(metadata.levels.irrelevantFolders).toMatchObject({ status: 'failed', prunedFiles: 0, error: expect.stringContaining('every source file') });
  expect(metadata.levels.files.treeFiles).toBe(4);
});

it('keeps the whole tree when the folder answers are unusable, and still localizes', async () => {
  server.reset();
  server.setHandler(scriptedLevels({ folders: ['Everything looks relevant to me.', 'Really, all of it.'], files: ['```\npkg/core/engine.py\n```'] }));
  const localizer = await instantiatePlugin(agentlessPlugin, { irrelevantFolders: true, depth: 'files' }, context);
  const result = await localizer.run(instance.instanceId);
  const metadata = result.metadata as unknown as AgentlessMetadata;
  expect(metadata.levels.irrelevantFolders).toMatchObject({ status: 'failed', failure: 'unparseable', calls: 2 });
  expect(metadata.levels.files.treeFiles).toBe(4);
  // The pass only narrows the tree: without it the localization is whole, so the run is still complete.
  expect(metadata.status).toBe('complete');
  expect(result.content).toHaveLength(1);
});

it('points at whole files that the workspace cannot outline (no skeleton: the file is shown whole)', async () => {
  server.reset();
  server.setHandler(
    scriptedLevels({ files: ['```\npkg/core/engine.py\n```'], elements: ['```\npkg/core/engine.py\nlines: 2-3\n```'], edits: ['```\npkg/core/engine.py\nline: 2\n```'] }),
  );
  const localizer = await instantiatePlugin(agentlessPlugin, {}, context);
  const result = await localizer.run(instance.instanceId);
  const metadata = result.metadata as unknown as AgentlessMetadata;
  expect(metadata.levels.elements?.filesWithoutSkeleton).toEqual(['pkg/core/engine.py']);
  expect(server.requests[1]!.messages[1]!.content).toContain('class Engine:\n    def start(self):\n        pass');
  expect(result.content).toEqual([{ path: 'pkg/core/engine.py', startLine: 2, endLine: 2, kind: 'lines', score: 1 }]);
});
