import { CodemonkeysError } from './codemonkeys-error';

/** A model endpoint call failed. `isRetryable` says whether trying again may help. */
export class ModelCallError extends CodemonkeysError {
  static override readonly errorName: string = 'ModelCallError';
  readonly endpoint: string;
  readonly statusCode: number | undefined;
  readonly isRetryable: boolean;
  /** The start of the response body (never request headers or keys). */
  readonly responseBodyExcerpt: string | undefined;
  readonly attempts: number;

  constructor(options: { message: string; endpoint: string; statusCode?: number; isRetryable: boolean; responseBodyExcerpt?: string; attempts?: number; cause?: unknown }) {
    super(options.message, { cause: options.cause });
    this.endpoint = options.endpoint;
    this.statusCode = options.statusCode;
    this.isRetryable = options.isRetryable;
    this.responseBodyExcerpt = options.responseBodyExcerpt;
    this.attempts = options.attempts ?? 1;
  }
}

/** The token or cost budget of a client is spent: no new calls are made. */
export class BudgetExceededError extends CodemonkeysError {
  static override readonly errorName: string = 'BudgetExceededError';
  readonly budget: 'tokens' | 'cost';
  readonly limit: number;
  readonly spent: number;

  constructor(options: { budget: 'tokens' | 'cost'; limit: number; spent: number }) {
    const unit = options.budget === 'cost' ? 'USD' : 'tokens';
    super(
      `The ${options.budget} budget of ${options.limit} ${unit} is spent (${options.spent} ${unit} used); ` +
        `no new model calls are made. Raise the budget in the experiment config to continue.`,
    );
    this.budget = options.budget;
    this.limit = options.limit;
    this.spent = options.spent;
  }
}
