import { UnsupportedCapabilityError } from '@codemonkeys/protocol';

/** Iterative mode runs tests in the instance's sandbox; the experiment gave none. */
export function sandboxRequiredError(instanceId: string): UnsupportedCapabilityError {
  return new UnsupportedCapabilityError({
    capability: 'sandbox',
    provider: `The plugin context of ${instanceId}`,
    hint: '@codemonkeys/generator-llm runs its reproduction tests in the sandbox when maxAttempts > 1: run the experiment with a sandbox (Docker), or set maxAttempts to 1.',
  });
}
