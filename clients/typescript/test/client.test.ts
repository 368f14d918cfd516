// The TypeScript client against a real platform: tests/e2e/test_typescript_client.py starts
// it and passes CONVEYOR_URL, CONVEYOR_KEY and CONVEYOR_THROTTLED_URL (a proxy in front of
// the same API that answers the first two requests with a 429 and Retry-After: 1).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";

import { Conveyor, InvalidInput, NotFound, WaitTimeout } from "../src/index.js";

const url = process.env.CONVEYOR_URL ?? "";
const key = process.env.CONVEYOR_KEY ?? "";
const conveyor = new Conveyor(url, key);

test("submitAndWait returns the final job", async () => {
  const job = await conveyor.submitAndWait("demo.sleep", { seconds: 0.2, steps: 2 }, { timeoutSeconds: 60 });

  assert.equal(job.state, "succeeded");
  assert.deepEqual(job.result, { slept_seconds: 0.2 });
  assert.deepEqual(
    job.attempt_history.map((a) => a.outcome),
    ["succeeded"],
  );
});

test("pages follow next until the last job", async () => {
  const run = randomUUID().slice(0, 12);
  const submitted = new Set<string>();
  for (let i = 0; i < 5; i++) {
    submitted.add((await conveyor.submit("demo.noop", undefined, { labels: { run }, delay_seconds: 3600 })).id);
  }

  const sizes: number[] = [];
  for await (const page of conveyor.pages({ labels: { run }, limit: 2 })) sizes.push(page.results.length);
  const seen = new Set<string>();
  for await (const job of conveyor.jobs({ labels: { run }, limit: 2 })) seen.add(job.id);

  assert.deepEqual(sizes, [2, 2, 1]);
  assert.deepEqual(seen, submitted);
});

test("errors are typed and carry the problem", async () => {
  await assert.rejects(conveyor.get("00000000-0000-0000-0000-000000000000"), (error: unknown) => {
    assert.ok(error instanceof NotFound);
    assert.equal(error.status, 404);
    assert.match(error.type, /\/not-found$/);
    return true;
  });
  // a request the types refuse, as a caller without types might send it
  const noUrl = { method: "POST" } as unknown as { url: string };
  await assert.rejects(conveyor.submit("http.request", noUrl), (error: unknown) => {
    assert.ok(error instanceof InvalidInput);
    assert.deepEqual(
      error.errors.map((e) => [e.field, e.code]),
      [["params.url", "missing"]],
    );
    return true;
  });
});

test("wait gives up with the job not final", async () => {
  const job = await conveyor.submit("demo.noop", undefined, { delay_seconds: 3600 });

  await assert.rejects(new Conveyor(url, key, { longPollSeconds: 1 }).wait(job, 1.5), (error: unknown) => {
    assert.ok(error instanceof WaitTimeout);
    assert.equal(error.state, "scheduled");
    return true;
  });
});

test("a 429 is retried after Retry-After", async () => {
  const throttled = new Conveyor(process.env.CONVEYOR_THROTTLED_URL ?? "", key, { retry: { backoffSeconds: 0.01 } });

  const job = await throttled.submit("demo.noop", undefined, { delay_seconds: 3600 });

  assert.equal((await conveyor.get(job.id)).state, "scheduled");
});
