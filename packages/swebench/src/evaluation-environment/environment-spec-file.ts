import fs from 'node:fs/promises';
import { DatasetError } from '@codemonkeys/protocol';
import type { EnvironmentSpec } from '../environment/environment-spec';
import { parseEnvironmentSpecs } from '../environment/find-environment-spec';

/** A file of environment specs: a JSON array of specs (or one spec), validated. */
export async function loadEnvironmentSpecFile(file: string): Promise<EnvironmentSpec[]> {
  let value: unknown;
  try {
    value = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (error) {
    throw new DatasetError({ file, reason: `is not a readable JSON file of environment specs (${(error as Error).message}).`, cause: error });
  }
  return parseEnvironmentSpecs(Array.isArray(value) ? value : [value], `Environment specs in ${file}`);
}
