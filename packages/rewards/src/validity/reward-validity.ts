import { bootstrapEstimate, type BootstrapOptions, type Estimate } from './bootstrap';
import { pointBiserialCorrelation } from './point-biserial';
import { rocAuc } from './roc-auc';

/** One candidate's pseudo-reward and its real outcome. */
export interface RewardObservation {
  score: number;
  resolved: boolean;
  /** The instance: candidates of one instance are resampled together. */
  group?: string;
}

/** How well one pseudo-reward predicts `resolved` (DESIGN §4 validity). */
export interface RewardValidity {
  name: string;
  /** Observations with both a score and an outcome. */
  observations: number;
  resolved: number;
  unresolved: number;
  /** Groups (instances) the observations come from. */
  groups: number;
  /** ROC-AUC with its bootstrap interval; null when one class is empty. */
  rocAuc: Estimate | null;
  /** Point-biserial correlation with its bootstrap interval; null when the score or the outcome is constant. */
  pointBiserial: Estimate | null;
}

export type ValidityOptions = BootstrapOptions;

/** ROC-AUC and point-biserial correlation of one pseudo-reward against `resolved`, with seeded bootstrap intervals. */
export function rewardValidity(name: string, observations: readonly RewardObservation[], options: ValidityOptions = {}): RewardValidity {
  const usable = observations.filter((observation) => Number.isFinite(observation.score));
  const groupOf = (observation: RewardObservation): string | undefined => observation.group;
  const auc = (sample: readonly RewardObservation[]): number | null =>
    rocAuc(
      sample.map((observation) => observation.score),
      sample.map((observation) => observation.resolved),
    );
  const correlation = (sample: readonly RewardObservation[]): number | null =>
    pointBiserialCorrelation(
      sample.map((observation) => observation.score),
      sample.map((observation) => observation.resolved),
    );
  const resolved = usable.filter((observation) => observation.resolved).length;
  return {
    name,
    observations: usable.length,
    resolved,
    unresolved: usable.length - resolved,
    groups: new Set(usable.map((observation, index) => observation.group ?? `#${index}`)).size,
    rocAuc: bootstrapEstimate(usable, auc, { ...options, groupOf }),
    pointBiserial: bootstrapEstimate(usable, correlation, { ...options, groupOf }),
  };
}
