import { CodemonkeysError, FailureSchema, isInfrastructureFailure, type Failure, type FailureReason } from '@codemonkeys/protocol';

/**
 * A stage that ran but obtained no result for some of its work for an infrastructure reason (the
 * endpoint failed after its retries, the budget was spent, the sandbox broke): the work is not a result.
 * The stage is not stored as done, so the same command redoes it (a plugin's checkpoints keep the samples
 * that did finish), and the instance is `partial`.
 */
export class IncompleteWorkError extends CodemonkeysError {
  static override readonly errorName: string = 'IncompleteWorkError';
  readonly stage: string;
  readonly failures: readonly Failure[];

  constructor(stage: string, failures: readonly Failure[], total: number) {
    const reasons = [...new Set(failures.map((failure) => failure.reason))].join(', ');
    super(
      `${failures.length} of ${total} ${stage} samples obtained no result (${reasons}): ${failures[0]?.message ?? ''}. Run the same command again once the cause is fixed: only that work is redone.`,
    );
    this.stage = stage;
    this.failures = failures;
  }

  /** The reason shown for the instance: the most frequent one. */
  get reason(): FailureReason {
    const counts = new Map<FailureReason, number>();
    for (const failure of this.failures) counts.set(failure.reason, (counts.get(failure.reason) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  }
}

/** The infrastructure failures among candidates (v1.1) or samples. */
export function infrastructureFailuresOf(items: readonly { failure?: Failure | undefined }[]): Failure[] {
  return items.flatMap((item) => (item.failure && isInfrastructureFailure(item.failure) ? [item.failure] : []));
}

/**
 * The infrastructure failures of v1 patches: a v1.1 generator adapted to v1 (a code experiment's plugins)
 * marks a candidate that is not `ok` with `metadata.candidate = { status, failure }`.
 */
export function infrastructureFailuresOfPatches(patches: readonly { metadata?: Record<string, unknown> }[]): Failure[] {
  return infrastructureFailuresOf(
    patches.map((patch) => {
      const parsed = FailureSchema.safeParse((patch.metadata?.candidate as { failure?: unknown } | undefined)?.failure);
      return parsed.success ? { failure: parsed.data } : {};
    }),
  );
}
