/** What the selection has of the instance's environment. */
export interface SelectionEnvironment {
  workspace: boolean;
  sandbox: boolean;
  model: boolean;
}

/** An option set for a selector because the selection lacks a capability its default needs, with why. */
export interface Degradation {
  capability: 'workspace' | 'sandbox' | 'model';
  reason: string;
  /** Options set (only keys the user did not set). */
  options: Record<string, unknown>;
}

/**
 * Public options of the repository's selectors whose defaults need a capability the selection may lack.
 * The vote's `checkApplies` (default true) reads the base commit's files through the workspace; without a
 * checkout it would refuse every instance, so it is turned off, and the record says so. A user's own
 * setting always wins.
 */
const needsOf: Record<string, Array<{ capability: Degradation['capability']; options: Record<string, unknown>; reason: string }>> = {
  '@codemonkeys/selector-vote': [
    {
      capability: 'workspace',
      options: { checkApplies: false },
      reason: 'no repository checkout (give --dataset, and --repository for local clones): the vote does not check that candidates apply to the base commit (checkApplies: false)',
    },
  ],
};

/** The options to add to the user's for this selector in this environment, with the recorded reasons. */
export function degradationsFor(pluginName: string, environment: SelectionEnvironment, userOptions: Readonly<Record<string, unknown>>): Degradation[] {
  return (needsOf[pluginName] ?? []).flatMap((need) => {
    if (environment[need.capability]) return [];
    const options = Object.fromEntries(Object.entries(need.options).filter(([key]) => !(key in userOptions)));
    return Object.keys(options).length === 0 ? [] : [{ capability: need.capability, reason: need.reason, options }];
  });
}
