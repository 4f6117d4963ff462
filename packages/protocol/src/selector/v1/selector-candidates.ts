import { CodemonkeysError } from '../../errors/codemonkeys-error';

/** The candidates handed to a selector cannot be selected from (none, or of another instance). */
export class InvalidCandidatesError extends CodemonkeysError {
  static override readonly errorName: string = 'InvalidCandidatesError';
}

/** Refuses an empty list and candidates of another instance, saying how to fix it. */
export function assertSelectorCandidates(selectorName: string, patches: readonly { instanceId: string }[], instanceId: string): void {
  if (patches.length === 0) {
    throw new InvalidCandidatesError(
      `${selectorName} got no candidate patches for ${instanceId}: a selector picks one of the generator's patches. ` +
        'Check that the generator stage produced candidates (an empty patch is a valid candidate).',
    );
  }
  const foreign = patches.map((patch, index) => ({ index, id: patch.instanceId })).filter((entry) => entry.id !== instanceId);
  if (foreign.length > 0) {
    throw new InvalidCandidatesError(
      `${selectorName} was asked to select for ${instanceId}, but candidate(s) ${foreign.map((entry) => `#${entry.index} (${entry.id})`).join(', ')} ` +
        'belong to another instance. Group candidates by instance_id before selecting (e.g. when merging predictions files).',
    );
  }
}
