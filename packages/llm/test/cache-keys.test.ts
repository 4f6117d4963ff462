import { describe, expect, it } from 'vitest';
import { chatCacheKey, embeddingCacheKey, modelCallRecordId } from '../src/index';

// Literal keys as version 0.1.0 computed them: a response cache or call records written by an earlier
// release must keep being found (a change of layout bumps the key version on purpose, and this test with it).
describe('cache keys and record ids are stable across releases', () => {
  it('chat keys, with every field that decides the answer set, and with none', () => {
    const request = {
      messages: [
        { role: 'system' as const, content: 'sys' },
        {
          role: 'assistant' as const,
          content: '',
          toolCalls: [{ id: 'c1', type: 'function' as const, function: { name: 'f', arguments: '{"b":1,"a":2}' } }],
          usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
        },
        { role: 'tool' as const, content: 'r', toolCallId: 'c1' },
        { role: 'user' as const, content: 'q', name: 'n' },
      ],
      temperature: 0.7,
      maxTokens: 50,
      stop: ['x'],
      seed: 3,
      n: 2,
      tools: [{ type: 'function' as const, function: { name: 'f', parameters: { type: 'object', properties: { z: {}, a: {} } } } }],
      toolChoice: 'auto' as const,
      promptCaching: true,
    };
    expect(chatCacheKey({ endpoint: 'e', model: 'm', request, sample: 1 })).toBe('llm-chat:1c5e9f4ad4fbffc6dff1603a67fa1e5557b4f5819e3b90f5db9bd3f67094d26a');
    expect(chatCacheKey({ endpoint: 'e', model: 'm', request: { messages: [{ role: 'user', content: 'hello' }] }, sample: 1 })).toBe(
      'llm-chat:1086c33dedc15518ae8edcdff4e71a1114ea940f27a217c255a0045f42581864',
    );
  });

  it('embedding keys and record ids', () => {
    expect(embeddingCacheKey({ endpoint: 'e', model: 'm', input: 'x' })).toBe('llm-embedding:6046552ee34fe2028719fe795b653fe8d1885450c3ec384d81294a80d6d3ce18');
    expect(modelCallRecordId({ runId: 'r', stage: 's' }, 2, 'k')).toBe('mc-84cf5346d88b3ade299466a4d2a3bab91e3139fe');
  });
});
