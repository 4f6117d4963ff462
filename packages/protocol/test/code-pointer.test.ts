import { describe, expect, it } from 'vitest';
import { CodePointerSchema, LocalizationResultSchema, MessageSchema, PathOutsideRepositoryError, normalizeRepositoryPath, resolveRepositoryPath } from '../src/index';

describe('code pointers', () => {
  it('accept a valid pointer and normalize its path', () => {
    expect(CodePointerSchema.parse({ path: './src//a.py', startLine: 3, endLine: 3, kind: 'lines' })).toEqual({ path: 'src/a.py', startLine: 3, endLine: 3, kind: 'lines' });
  });

  it('reject endLine < startLine, zero lines and escaping paths with readable issues', () => {
    const result = CodePointerSchema.safeParse({ path: 'a.py', startLine: 10, endLine: 4 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['endLine'], message: 'endLine must not be smaller than startLine' });
    expect(CodePointerSchema.safeParse({ path: 'a.py', startLine: 0, endLine: 4 }).error?.issues[0]?.message).toBe('lines are 1-based');
    expect(CodePointerSchema.safeParse({ path: '../etc/passwd', startLine: 1, endLine: 1 }).error?.issues[0]?.message).toContain('outside the repository');
    expect(CodePointerSchema.safeParse({ startLine: 1, endLine: 1 }).success).toBe(false);
  });

  it('localization results hold either pointers or a string', () => {
    expect(LocalizationResultSchema.parse({ content: 'text' })).toEqual({ content: 'text', metadata: {} });
    expect(LocalizationResultSchema.safeParse({ content: [{ path: 'a.py', startLine: 2, endLine: 1 }] }).success).toBe(false);
  });
});

describe('messages', () => {
  it('reject unknown roles and missing content', () => {
    expect(MessageSchema.safeParse({ role: 'robot', content: 'hi' }).error?.issues[0]?.path).toEqual(['role']);
    expect(MessageSchema.safeParse({ role: 'user' }).error?.issues[0]?.path).toEqual(['content']);
    expect(MessageSchema.parse({ role: 'assistant', content: '', toolCalls: [{ id: 'c1', function: { name: 'f', arguments: '{}' } }] }).toolCalls?.[0]?.type).toBe('function');
  });
});

describe('repository paths', () => {
  it.each(['/etc/passwd', '../x', 'a/../../x', 'C:\\Windows', '~/x', '.git/config', '', 'a\0b', '.'])('refuses %j', (input) => {
    expect(() => normalizeRepositoryPath(input)).toThrow(PathOutsideRepositoryError);
  });

  it('normalizes harmless paths and resolves them under the root', () => {
    expect(normalizeRepositoryPath('a/./b/../c.py')).toBe('a/c.py');
    expect(normalizeRepositoryPath('pkg\\mod.py')).toBe('pkg/mod.py');
    expect(resolveRepositoryPath('/repo', 'a/c.py')).toBe('/repo/a/c.py');
    expect(() => resolveRepositoryPath('/repo', 'a/../../b')).toThrow(PathOutsideRepositoryError);
  });
});
