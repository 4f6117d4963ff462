import { describe, expect, it } from 'vitest';
import { createSecretRedactor, isSecretKey } from './secret-redactor';

describe('createSecretRedactor', () => {
  const environment = {
    OPENAI_API_KEY: 'sk-live-abcdefghijklmnopqrstuvwxyz012345',
    MY_SERVICE_TOKEN: 'token-value-1234567890',
    ENDPOINT_CREDENTIAL: 'configured-credential-value',
    SHORT_TOKEN: 'abc',
    HOME: '/root/a-long-enough-path',
  };

  it('replaces values of secret environment variables (named by pattern or configured) wherever they appear', () => {
    const redactor = createSecretRedactor({ environment, secretEnvironmentVariables: ['ENDPOINT_CREDENTIAL'], credentialPatterns: false });
    const text = `a ${environment.MY_SERVICE_TOKEN} b ${environment.ENDPOINT_CREDENTIAL} c ${environment.OPENAI_API_KEY} abc ${environment.HOME}`;
    expect(redactor.redactText(text)).toBe(`a [REDACTED:MY_SERVICE_TOKEN] b [REDACTED:ENDPOINT_CREDENTIAL] c [REDACTED:OPENAI_API_KEY] abc ${environment.HOME}`);
  });

  it('replaces every value under secret-looking keys, at any depth, and leaves token counts and keys alone', () => {
    const redactor = createSecretRedactor({ environment: {} });
    const record = {
      headers: { Authorization: 'Basic dXNlcjpwYXNz', 'X-Api-Key': 'k', 'content-type': 'application/json' },
      config: { model: { apiKey: 12345, api_key: ['a', 'b'], clientSecret: { nested: 'x' }, password: null } },
      usage: { inputTokens: 3, maxTokens: 5 },
      key: 'cache-key',
      cacheKey: 'abc',
    };
    expect(redactor.redact(record)).toEqual({
      headers: { Authorization: '[REDACTED]', 'X-Api-Key': '[REDACTED]', 'content-type': 'application/json' },
      config: { model: { apiKey: '[REDACTED]', api_key: ['[REDACTED]', '[REDACTED]'], clientSecret: { nested: '[REDACTED]' }, password: null } },
      usage: { inputTokens: 3, maxTokens: 5 },
      key: 'cache-key',
      cacheKey: 'abc',
    });
    expect(record.headers.Authorization).toBe('Basic dXNlcjpwYXNz');
  });

  it('recognises credential shapes inside text and keeps a readable prefix', () => {
    const redactor = createSecretRedactor({ environment: {} });
    const cases: Array<[string, string]> = [
      ['curl -H "Authorization: Bearer abcdefghijklmnop1234"', 'curl -H "Authorization: Bearer [REDACTED]"'],
      ['key sk-proj-abcdefghijklmnopqrstuvwx done', 'key sk-[REDACTED] done'],
      ['anthropic sk-ant-api03-abcdefghijklmnopqrst', 'anthropic sk-[REDACTED]'],
      ['google AIzaSy0123456789abcdefghijklmnopqrstuvw', 'google AIza[REDACTED]'],
      ['github ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'github ghp_[REDACTED]'],
      ['hf hf_abcdefghijklmnopqrstuvwxyz01234', 'hf hf_[REDACTED]'],
      ['aws AKIAABCDEFGHIJKLMNOP', 'aws AKIA[REDACTED]'],
      ['http://127.0.0.1:8080/v1?key=secret123&model=m', 'http://127.0.0.1:8080/v1?key=[REDACTED]&model=m'],
      ['redis://worker:hunter2pass@127.0.0.1:6379', 'redis://worker:[REDACTED]@127.0.0.1:6379'],
    ];
    for (const [input, expected] of cases) expect(redactor.redactText(input)).toBe(expected);
  });

  it('leaves ordinary text, code and diffs untouched', () => {
    const redactor = createSecretRedactor({ environment: {} });
    const text = [
      'diff --git a/tokenizer.py b/tokenizer.py',
      '-    def task_key(self): return "sk-short"',
      '+    bearer = Bearer()  # a class, not a token',
      'See https://docs.python.org/3/library/re.html#module-re for details.',
      'Basic understanding of the problem helps.',
    ].join('\n');
    expect(redactor.redactText(text)).toBe(text);
  });

  it('names secret keys by their normalized suffix', () => {
    expect(['Authorization', 'proxy-authorization', 'x-api-key', 'openaiApiKey', 'CLIENT_SECRET', 'db_password', 'access_token', 'Cookie'].every(isSecretKey)).toBe(true);
    expect(['key', 'cacheKey', 'inputTokens', 'maxTokens', 'tokenizer', 'secretary', 'author'].some(isSecretKey)).toBe(false);
  });

  it('can be limited to configured secrets', () => {
    const redactor = createSecretRedactor({ environment: {}, secretValues: ['literal-secret-value'], credentialPatterns: false });
    expect(redactor.redactText('sk-proj-abcdefghijklmnopqrstuvwx literal-secret-value')).toBe('sk-proj-abcdefghijklmnopqrstuvwx [REDACTED]');
  });
});
