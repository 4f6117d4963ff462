#!/usr/bin/env node
import { CodemonkeysError } from '@codemonkeys/protocol';
import { exitCodes } from './exit-codes';
import { createProgram } from './program';

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  if (CodemonkeysError.isInstance(error)) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = exitCodes.failure;
  } else {
    throw error;
  }
}
