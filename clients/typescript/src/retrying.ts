// When to send a request again: after a 429 or a 503, with exponential backoff and full
// jitter, waiting at least what Retry-After asks.
import { retryAfter } from "./errors.js";

export interface Retry {
  /** Sends in all. */
  attempts: number;
  backoffSeconds: number;
  factor: number;
  maxDelaySeconds: number;
}

export const DEFAULT_RETRY: Retry = { attempts: 5, backoffSeconds: 0.5, factor: 2, maxDelaySeconds: 30 };
const RETRIED = new Set([429, 503]);

export function delaySeconds(retry: Retry, attempt: number, after: number | undefined): number {
  const nominal = Math.min(retry.backoffSeconds * retry.factor ** (attempt - 1), retry.maxDelaySeconds);
  return Math.max(Math.random() * nominal, Math.min(after ?? 0, retry.maxDelaySeconds));
}

/** A fetch that sends a request again after a 429 or a 503 while attempts are left. */
export function retryingFetch(retry: Retry, inner: typeof fetch = fetch): (request: Request) => Promise<Response> {
  return async (request: Request) => {
    for (let attempt = 1; ; attempt++) {
      const response = await inner(request.clone());
      if (!RETRIED.has(response.status) || attempt >= retry.attempts) {
        return response;
      }
      await response.body?.cancel();
      const seconds = delaySeconds(retry, attempt, retryAfter(response.headers));
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    }
  };
}
