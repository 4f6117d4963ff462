import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidStorageUrlError, defaultStorageUrl, parseStorageUrl } from './storage-url';

describe('parseStorageUrl', () => {
  it('reads sqlite paths relative to the working directory, or absolute', () => {
    expect(parseStorageUrl(defaultStorageUrl, '/work/project')).toEqual({ kind: 'sqlite', path: path.resolve('/work/project/runs.db') });
    expect(parseStorageUrl('sqlite:data/runs.db', '/w')).toEqual({ kind: 'sqlite', path: '/w/data/runs.db' });
    expect(parseStorageUrl('sqlite:///var/runs.db', '/w')).toEqual({ kind: 'sqlite', path: '/var/runs.db' });
    expect(parseStorageUrl('sqlite:/var/runs.db', '/w')).toEqual({ kind: 'sqlite', path: '/var/runs.db' });
    expect(parseStorageUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', path: ':memory:' });
  });

  it('reads firestore project, root document, database and emulator', () => {
    expect(parseStorageUrl('firestore://my-project')).toEqual({ kind: 'firestore', projectId: 'my-project' });
    expect(parseStorageUrl('firestore://my-project/codemonkeys/ablation-1?database=runs&emulator=127.0.0.1:8080')).toEqual({
      kind: 'firestore',
      projectId: 'my-project',
      root: 'codemonkeys/ablation-1',
      databaseId: 'runs',
      emulatorHost: '127.0.0.1:8080',
    });
    expect(parseStorageUrl('memory:')).toEqual({ kind: 'memory' });
  });

  it('refuses what it cannot read, naming the forms it can', () => {
    for (const [url, reason] of [
      ['postgres://x', 'unknown scheme'],
      ['sqlite:', 'path is missing'],
      ['firestore://My_Project', 'not a Google Cloud project id'],
      ['firestore://my-project/only-a-collection', 'must be a document path'],
      ['firestore://my-project?region=eu', 'unknown parameter "region"'],
    ] as const) {
      let error: unknown;
      try {
        parseStorageUrl(url);
      } catch (caught) {
        error = caught;
      }
      expect(InvalidStorageUrlError.isInstance(error), url).toBe(true);
      expect((error as Error).message).toContain(reason);
      expect((error as Error).message).toContain('sqlite:PATH');
    }
  });
});
