import { describe, expect, it } from 'vitest';
import { CodemonkeysError, ModelCallError, NoSuchPluginError, SandboxError, SandboxTimeoutError } from '../src/index';

describe('error hierarchy', () => {
  it('recognises classes and subclasses with isInstance', () => {
    const timeout = new SandboxTimeoutError({ command: 'pytest', timeoutMs: 5 });
    expect(SandboxTimeoutError.isInstance(timeout)).toBe(true);
    expect(SandboxError.isInstance(timeout)).toBe(true);
    expect(CodemonkeysError.isInstance(timeout)).toBe(true);
    expect(ModelCallError.isInstance(timeout)).toBe(false);
    expect(timeout.name).toBe('SandboxTimeoutError');
    expect(timeout.message).toContain('5 ms');
    expect(CodemonkeysError.isInstance(new Error('plain'))).toBe(false);
    expect(CodemonkeysError.isInstance(undefined)).toBe(false);
  });

  it('recognises errors made by another copy of the package (no instanceof)', () => {
    const foreign = Object.assign(new Error('from a duplicate install'), { [Symbol.for('codemonkeys.error')]: ['ModelCallError', 'CodemonkeysError'] });
    expect(ModelCallError.isInstance(foreign)).toBe(true);
    expect(SandboxError.isInstance(foreign)).toBe(false);
  });

  it('lists the installed plugins when one is missing', () => {
    const error = new NoSuchPluginError({ pluginName: 'agentles', available: ['@codemonkeys/localizer-agentless', '@codemonkeys/localizer-embedding'], kind: 'localizer' });
    expect(error.message).toContain('No localizer named "agentles"');
    expect(error.message).toContain('  - @codemonkeys/localizer-agentless');
    expect(error.available).toHaveLength(2);
  });

  it('keeps the cause and retryability of model errors', () => {
    const cause = new Error('ECONNRESET');
    const error = new ModelCallError({ message: 'HTTP 503', endpoint: 'local', statusCode: 503, isRetryable: true, cause });
    expect(error.cause).toBe(cause);
    expect(error.isRetryable).toBe(true);
    expect(error.statusCode).toBe(503);
  });
});
