import type { ModelBudget } from '../budget/model-budget';
import type { ModelMiddleware } from './model-middleware';

/**
 * Refuses a call that would go to the endpoint once the budget is spent (placed inside the cache, so
 * that hits are still served), and charges each answered request at once, so that a failing sibling
 * request of the same call cannot hide what was spent.
 */
export function createBudgetMiddleware(budget: ModelBudget): ModelMiddleware {
  return {
    async wrapChat(call, next) {
      budget.assertAvailable();
      return next(call);
    },
    async wrapEmbed(call, next) {
      budget.assertAvailable();
      return next(call);
    },
    async wrapRequest(request, attempt, next) {
      const answer = await next(request, attempt);
      budget.charge(answer.usage, answer.costUsd);
      return answer;
    },
  };
}
