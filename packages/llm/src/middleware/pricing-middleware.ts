import type { PriceList } from '../pricing/price-table';
import type { ModelMiddleware } from './model-middleware';

/** Prices each answered request by the model it was sent for (the layers outside it charge the cost). */
export function createPricingMiddleware(prices: PriceList): ModelMiddleware {
  return {
    async wrapRequest(request, attempt, next) {
      const answer = await next(request, attempt);
      answer.costUsd = prices.costOf(request.model, answer.usage);
      return answer;
    },
  };
}
