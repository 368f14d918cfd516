// The TypeScript client of the conveyor API: openapi-fetch over the types openapi-typescript
// generates from clients/openapi.json, and a small layer on top: submit, wait,
// submitAndWait, page iteration, typed errors, retries after a 429 or a 503.
import createClient, { type Client } from "openapi-fetch";

import { errorFor, WaitTimeout } from "./errors.js";
import type { components, paths } from "./generated/schema.js";
import { DEFAULT_RETRY, type Retry, retryingFetch } from "./retrying.js";

export * from "./errors.js";
export type { Retry } from "./retrying.js";
export type { components, paths } from "./generated/schema.js";

type Schemas = components["schemas"];
export type Job = Schemas["JobOutput"];
export type JobDetail = Schemas["JobDetailOutput"];
export type JobPage = Schemas["JobPage"];
export type JobSubmission = Schemas["JobSubmission"];
/** A job type's name, as the schema knows them. */
export type JobTypeName = JobSubmission["type"];
/** The submission of job type `T`: its params are that type's own. */
export type SubmissionOf<T extends JobTypeName> = Extract<JobSubmission, { type: T }>;
export type SubmitOptions<T extends JobTypeName> = Omit<SubmissionOf<T>, "type" | "params"> & {
  idempotencyKey?: string;
};
export interface ListFilters {
  state?: string | string[];
  type?: string | string[];
  queue?: string | string[];
  labels?: Record<string, string>;
  limit?: number;
}

const FINAL = new Set(["succeeded", "failed", "cancelled"]);

export interface ConveyorOptions {
  retry?: Partial<Retry>;
  /** The longest single long-poll `wait` asks of the API (its CONVEYOR_LONG_POLL_MAX_SECONDS). */
  longPollSeconds?: number;
  fetch?: typeof fetch;
}

/** The conveyor API at `url`, as the client whose API `key` is given. */
export class Conveyor {
  readonly api: Client<paths>;
  readonly longPollSeconds: number;

  constructor(url: string, key: string, options: ConveyorOptions = {}) {
    this.longPollSeconds = options.longPollSeconds ?? 30;
    this.api = createClient<paths>({
      baseUrl: url.replace(/\/+$/, ""),
      headers: { Authorization: `Bearer ${key}`, "User-Agent": "conveyor-client-typescript" },
      fetch: retryingFetch({ ...DEFAULT_RETRY, ...options.retry }, options.fetch),
    });
  }

  /** Submit a job of `type` with `params`; the job as the API accepted it. */
  async submit<T extends JobTypeName>(
    type: T,
    params?: SubmissionOf<T>["params"],
    options: SubmitOptions<T> = {} as SubmitOptions<T>,
  ): Promise<Job> {
    const { idempotencyKey, ...rest } = options;
    const body = { ...rest, type, ...(params === undefined ? {} : { params }) } as JobSubmission;
    // Always a key, so a retried submission makes one job.
    const key = idempotencyKey ?? crypto.randomUUID();
    const { data, error, response } = await this.api.POST("/v1/jobs", {
      body,
      params: { header: { "Idempotency-Key": key } },
    });
    return ok(data, error, response);
  }

  async get(job: Job | string): Promise<JobDetail> {
    const { data, error, response } = await this.api.GET("/v1/jobs/{job_id}", {
      params: { path: { job_id: idOf(job) } },
    });
    return ok(data, error, response);
  }

  /** The job once final (succeeded, failed or cancelled), long-polling the API;
   * `WaitTimeout` if it is not final within `timeoutSeconds`. */
  async wait(job: Job | string, timeoutSeconds = 60): Promise<JobDetail> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      const remaining = (deadline - Date.now()) / 1000;
      if (remaining <= 0.01) {
        const found = await this.get(job);
        if (FINAL.has(found.state)) return found;
        throw new WaitTimeout(found.id, found.state, timeoutSeconds);
      }
      const wait = Math.round(Math.min(remaining, this.longPollSeconds) * 1000) / 1000;
      const { data, error, response } = await this.api.GET("/v1/jobs/{job_id}", {
        params: { path: { job_id: idOf(job) }, query: { wait } },
      });
      const found = ok(data, error, response);
      if (FINAL.has(found.state)) return found;
    }
  }

  async submitAndWait<T extends JobTypeName>(
    type: T,
    params?: SubmissionOf<T>["params"],
    options: SubmitOptions<T> & { timeoutSeconds?: number } = {} as SubmitOptions<T>,
  ): Promise<JobDetail> {
    const { timeoutSeconds, ...submit } = options;
    return this.wait(await this.submit(type, params, submit as SubmitOptions<T>), timeoutSeconds);
  }

  async cancel(job: Job | string): Promise<Job> {
    const { data, error, response } = await this.api.POST("/v1/jobs/{job_id}/cancel", {
      params: { path: { job_id: idOf(job) } },
    });
    return ok(data, error, response);
  }

  /** The client's jobs, newest first, a page at a time (following `next`). */
  async *pages(filters: ListFilters = {}): AsyncGenerator<JobPage> {
    const joined = (v?: string | string[]) => (Array.isArray(v) ? v.join(",") : v);
    const query = {
      state: joined(filters.state),
      type: joined(filters.type),
      queue: joined(filters.queue),
      label: filters.labels ? Object.entries(filters.labels).map(([k, v]) => `${k}:${v}`) : undefined,
      limit: filters.limit,
    };
    let cursor: string | undefined;
    for (;;) {
      const { data, error, response } = await this.api.GET("/v1/jobs", {
        params: { query: { ...query, cursor } },
      });
      const page = ok(data, error, response);
      yield page;
      if (!page.next) return;
      cursor = new URL(page.next).searchParams.get("cursor") ?? undefined;
    }
  }

  /** Every job `pages(filters)` holds, one by one. */
  async *jobs(filters: ListFilters = {}): AsyncGenerator<Job> {
    for await (const page of this.pages(filters)) yield* page.results;
  }
}

function idOf(job: Job | string): string {
  return typeof job === "string" ? job : job.id;
}

function ok<T>(data: T | undefined, error: unknown, response: Response): T {
  if (!response.ok || data === undefined) {
    throw errorFor(response, error);
  }
  return data;
}
