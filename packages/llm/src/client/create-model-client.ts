import { CodemonkeysError, parseWithSchema } from '@codemonkeys/protocol';
import { UndiciModelClient, type LlmModelClient } from './llm-model-client';
import { ModelClientOptionsSchema, type ModelClientOptions } from './model-client-options';

/**
 * Creates a ModelClient for one endpoint. Invalid options throw a SchemaValidationError listing every
 * issue; a key named by `endpoint.apiKeyEnv` that is not set throws before any call is made.
 *
 * ```ts
 * const model = createModelClient({
 *   endpoint: { kind: 'openai', baseUrl: 'http://127.0.0.1:8000/v1', defaultModel: 'Qwen/Qwen2.5-Coder-32B-Instruct' },
 *   limits: { maxConcurrent: 32 },
 *   cache: { storage },
 *   recorder: (records) => storage.putModelCalls(records),
 * });
 * ```
 */
export function createModelClient(options: ModelClientOptions): LlmModelClient {
  const resolved = parseWithSchema(ModelClientOptionsSchema, options, 'The options of createModelClient', 'See the README of @codemonkeys/llm for every option.');
  const { apiKey, apiKeyEnv } = resolved.endpoint;
  let key = apiKey;
  if (key === undefined && apiKeyEnv !== undefined) {
    key = process.env[apiKeyEnv];
    if (key === undefined || key === '') {
      throw new CodemonkeysError(`The environment variable ${apiKeyEnv} (endpoint.apiKeyEnv) is not set: export it with the API key of ${resolved.endpoint.baseUrl}, or remove apiKeyEnv for an endpoint without a key.`);
    }
  }
  return new UndiciModelClient(resolved, key);
}
