import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { hintOptions, localizerOutputOptions, modelOptions, sourceFileOptions } from '../src/index';

const PluginOptionsSchema = z.object({ ...hintOptions, ...modelOptions, ...localizerOutputOptions, ...sourceFileOptions, own: z.number().default(1) }).strict();

describe('option fragments', () => {
  it('fill in the same defaults wherever they are spread, under the names configs use', () => {
    expect(PluginOptionsSchema.parse({})).toEqual({
      useHints: false,
      output: 'pointers',
      include: ['**/*.py'],
      exclude: [],
      excludeTests: true,
      excludeDocs: true,
      own: 1,
    });
    expect(PluginOptionsSchema.parse({ useHints: true, model: 'm', modelRole: 'judge', output: 'text', include: ['**/*.js'], excludeTests: false })).toMatchObject({
      useHints: true,
      model: 'm',
      modelRole: 'judge',
      output: 'text',
      include: ['**/*.js'],
      excludeTests: false,
    });
  });

  it('validate the same way: empty names, unknown outputs and empty include lists are refused with the option named', () => {
    for (const [options, path] of [
      [{ model: '' }, 'model'],
      [{ modelRole: '' }, 'modelRole'],
      [{ output: 'markdown' }, 'output'],
      [{ useHints: 'yes' }, 'useHints'],
      [{ include: [] }, 'include'],
      [{ exclude: [''] }, 'exclude'],
    ] as const) {
      const parsed = PluginOptionsSchema.safeParse(options);
      expect(parsed.success, JSON.stringify(options)).toBe(false);
      expect(parsed.error!.issues[0]!.path[0]).toBe(path);
    }
  });

  it('carry their descriptions in the schema', () => {
    for (const fragment of [hintOptions, modelOptions, localizerOutputOptions, sourceFileOptions]) {
      for (const [name, schema] of Object.entries(fragment)) expect(schema.description, name).toMatch(/\w{4,}/);
    }
    expect(PluginOptionsSchema.shape.useHints.description).toContain('hints');
  });
});
