/**
 * The deployed Lambda runtime against AWS's deprecation schedule
 * (constructs/contract/lambda-runtimes.json, from the AWS Lambda developer guide): this suite
 * fails once the runtime is deprecated and warns in the 90 days before.
 */
import {
  assertRuntimeSupported,
  LAMBDA_RUNTIME,
  LAMBDA_RUNTIME_SCHEDULE,
  RUNTIME_SCHEDULE_SOURCE,
  runtimeStatus,
  type RuntimeSchedule,
} from "../constructs/contract/lambda-runtimes";
import { STREAMING_LAMBDA_DEFAULTS } from "../constructs/defaults";

const SCHEDULE: Record<string, RuntimeSchedule> = {
  "nodejs99.x": { deprecation: "2030-04-30", blockCreate: "2030-06-01", blockUpdate: "2030-07-01" },
};
const day = (iso: string): Date => new Date(`${iso}T12:00:00Z`);

describe("runtimeStatus / assertRuntimeSupported (injected dates)", () => {
  it.each([
    ["2030-05-15", "deprecated"], // past the deprecation day
    ["2030-04-30", "deprecated"], // the deprecation day itself
    ["2030-04-29", "warn"], // 1 day ahead
    ["2030-01-30", "warn"], // exactly 90 days ahead
    ["2030-01-29", "ok"], // 91 days ahead
    ["2026-12-02", "ok"], // far ahead
  ])("on %s: %s", (today, status) => {
    expect(runtimeStatus("nodejs99.x", day(today), SCHEDULE).status).toBe(status);
  });

  it("fails for a deprecated runtime, naming it and its dates", () => {
    expect(() => assertRuntimeSupported("nodejs99.x", day("2030-05-01"), jest.fn(), SCHEDULE)).toThrow(
      "nodejs99.x is deprecated by AWS Lambda (deprecation 2030-04-30, function create blocked 2030-06-01, update blocked 2030-07-01)",
    );
  });

  it("fails for a runtime without a recorded schedule", () => {
    expect(() => assertRuntimeSupported("nodejs98.x", day("2026-01-01"), jest.fn(), SCHEDULE)).toThrow(
      "nodejs98.x: no deprecation dates recorded",
    );
  });

  it("warns (and passes) within 90 days", () => {
    const warn = jest.fn();
    expect(assertRuntimeSupported("nodejs99.x", day("2030-03-01"), warn, SCHEDULE).status).toBe("warn");
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toBe(
      "WARNING: nodejs99.x is deprecated in 60 day(s) (deprecation 2030-04-30, function create blocked 2030-06-01, update blocked 2030-07-01); plan the move to a newer runtime",
    );
  });

  it("neither warns nor fails far ahead", () => {
    const warn = jest.fn();
    expect(assertRuntimeSupported("nodejs99.x", day("2029-12-01"), warn, SCHEDULE).status).toBe("ok");
    expect(warn).not.toHaveBeenCalled();
  });
});

describe("the recorded AWS schedule", () => {
  it("has AWS's published deprecation dates for nodejs20.x and nodejs22.x", () => {
    expect(LAMBDA_RUNTIME_SCHEDULE["nodejs20.x"].deprecation).toBe("2026-04-30");
    expect(LAMBDA_RUNTIME_SCHEDULE["nodejs22.x"].deprecation).toBe("2027-04-30");
    expect(RUNTIME_SCHEDULE_SOURCE).toBe("https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html");
  });

  it.each(Object.entries(LAMBDA_RUNTIME_SCHEDULE))(
    "%s: real ISO days, deprecation ≤ block create ≤ block update",
    (_, s) => {
      for (const d of [s.deprecation, s.blockCreate, s.blockUpdate]) {
        expect(d).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10)).toBe(d);
      }
      expect(s.deprecation <= s.blockCreate && s.blockCreate <= s.blockUpdate).toBe(true);
    },
  );
});

describe("the deployed runtime", () => {
  it("is the one constant both Lambdas use, of the nodejsNN.x form scripts/build.mjs derives its target from", () => {
    expect(STREAMING_LAMBDA_DEFAULTS.runtime).toBe(LAMBDA_RUNTIME);
    expect(LAMBDA_RUNTIME).toMatch(/^nodejs\d+\.x$/);
  });

  it("is not deprecated today (warns within 90 days of its deprecation)", () => {
    const status = assertRuntimeSupported(LAMBDA_RUNTIME, new Date());
    expect(["ok", "warn"]).toContain(status.status);
  });
});
