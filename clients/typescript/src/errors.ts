// The API's errors as exceptions: one class per status, each carrying the problem+json
// fields (RFC 9457) the API answered with.
import type { components } from "./generated/schema.js";

export type Problem = components["schemas"]["Problem"];
export type FieldError = components["schemas"]["FieldError"];

export class ConveyorError extends Error {}

/** The job was not final within the time given to `wait`. */
export class WaitTimeout extends ConveyorError {
  constructor(
    readonly jobId: string,
    readonly state: string,
    timeoutSeconds: number,
  ) {
    super(`job ${jobId} is still ${state} after ${timeoutSeconds} s`);
  }
}

/** An error answer of the API, with its problem+json fields. */
export class ApiError extends ConveyorError {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly instance?: string;
  readonly errors: FieldError[];
  /** Retry-After, in seconds, when the API gave it. */
  readonly retryAfter?: number;

  constructor(status: number, problem: Partial<Problem>, retryAfter?: number) {
    const errors = problem.errors ?? [];
    const fields = errors.map((e) => `${e.field}: ${e.message}`).join("; ");
    super(`${status} ${problem.title ?? ""}: ${problem.detail ?? ""}${fields ? ` (${fields})` : ""}`);
    this.name = new.target.name;
    this.status = status;
    this.type = problem.type ?? "about:blank";
    this.title = problem.title ?? "";
    this.detail = problem.detail ?? "";
    this.instance = problem.instance;
    this.errors = errors;
    this.retryAfter = retryAfter;
  }
}

export class InvalidInput extends ApiError {}
export class Unauthorized extends ApiError {}
export class Forbidden extends ApiError {}
export class NotFound extends ApiError {}
export class Conflict extends ApiError {}
export class PayloadTooLarge extends ApiError {}
export class RateLimited extends ApiError {}
export class Unavailable extends ApiError {}

const BY_STATUS: Record<number, typeof ApiError> = {
  400: InvalidInput,
  401: Unauthorized,
  403: Forbidden,
  404: NotFound,
  409: Conflict,
  413: PayloadTooLarge,
  429: RateLimited,
  503: Unavailable,
};

/** Retry-After in seconds, when given as seconds (an HTTP date is ignored). */
export function retryAfter(headers: Headers): number | undefined {
  const value = Number.parseFloat(headers.get("retry-after") ?? "");
  return Number.isFinite(value) ? Math.max(value, 0) : undefined;
}

export function errorFor(response: Response, body: unknown): ApiError {
  const problem = (body && typeof body === "object" ? body : {}) as Partial<Problem>;
  const cls = BY_STATUS[response.status] ?? ApiError;
  return new cls(response.status, problem, retryAfter(response.headers));
}
