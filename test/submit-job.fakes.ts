/**
 * Scripted stand-ins for submit-job's AWS interfaces and clock, shared by its unit tests: an EMR
 * that plays back step states (moto never finishes a step and has no CancelSteps), an in-memory
 * S3, and a clock whose sleeps advance virtual time.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type {
  CancelResult,
  ClusterInfo,
  EmrApi,
  ListStepsFilter,
  S3Api,
  S3Object,
  StepStatus,
  StepSummary,
} from "../scripts/submit-job/aws";
import type { AddStepsRequest } from "../scripts/submit-job/plan";
import type { Clock, Progress } from "../scripts/submit-job/wait";

/** Advances virtual time on sleep; records every sleep; can abort a signal at a chosen time. */
export class FakeClock implements Clock {
  t = 1_700_000_000_000;
  sleeps: number[] = [];
  onSleep?: (clock: FakeClock) => void;
  now = () => this.t;
  random = () => 0.5;
  async sleep(seconds: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(seconds);
    this.onSleep?.(this);
    if (signal?.aborted) return;
    this.t += seconds * 1000;
  }
}

export class ScriptedEmr implements EmrApi {
  describes = 0;
  added: AddStepsRequest[] = [];
  cancels: string[] = [];
  /** Oldest first, as added; listSteps answers newest first, as EMR does. */
  steps: StepSummary[] = [];
  listCalls: ListStepsFilter[] = [];
  constructor(
    private readonly script: StepStatus[],
    private readonly cancelResult: CancelResult = {
      attempted: true,
      ok: true,
      message: "cancel requested for s-1",
    },
    private readonly cluster: Partial<ClusterInfo> = {},
  ) {}
  async describeCluster(id: string): Promise<ClusterInfo> {
    return {
      id,
      arn: `arn:aws:elasticmapreduce:eu-west-1:123456789012:cluster/${id}`,
      state: "WAITING",
      logUri: "s3://logs-b/emr-logs/",
      ...this.cluster,
    };
  }
  async listSteps(_c: string, f: ListStepsFilter = {}): Promise<StepSummary[]> {
    this.listCalls.push(f);
    const out: StepSummary[] = [];
    for (const s of [...this.steps].reverse()) {
      if (f.stepIds && !f.stepIds.includes(s.id)) continue;
      if (f.states && !f.states.includes(s.state)) continue;
      if (f.accept && !f.accept(s)) continue;
      out.push(s);
      if (f.limit !== undefined && out.length >= f.limit) break;
    }
    return out;
  }
  async addStep(r: AddStepsRequest): Promise<string> {
    this.added.push(r);
    const id = `s-${this.added.length}`;
    this.steps.push({ id, name: r.Steps[0].Name, state: "PENDING", args: r.Steps[0].HadoopJarStep.Args });
    return id;
  }
  async describeStep(): Promise<StepStatus> {
    const s = this.script[Math.min(this.describes, this.script.length - 1)];
    this.describes++;
    return s;
  }
  /** What sparkUiUrl answers; a URL naming the application by default. */
  sparkUi: (arn: string, app?: string) => { url?: string; note?: string } = (arn, app) => ({
    url: `https://p-fake.emrappui-prod.us-east-1.amazonaws.com/shs/?cluster=${arn}${app ? `&app=${app}` : ""}`,
  });
  sparkUiCalls: [string, string | undefined][] = [];
  async region(): Promise<string | undefined> {
    return "eu-west-1";
  }
  async sparkUiUrl(arn: string, app?: string): Promise<{ url?: string; note?: string }> {
    this.sparkUiCalls.push([arn, app]);
    return this.sparkUi(arn, app);
  }
  async cancelStep(_c: string, stepId: string): Promise<CancelResult> {
    this.cancels.push(stepId);
    if (this.cancelResult.ok)
      this.steps = this.steps.map((s) => (s.id === stepId ? { ...s, state: "CANCEL_PENDING" } : s));
    return this.cancelResult;
  }
}

export class MemS3 implements S3Api {
  objects = new Map<string, Buffer>();
  puts: string[] = [];
  gets = 0;
  lists = 0;
  /** Make an object appear after this many GETs (the EMR log lag). */
  appearAfter = new Map<string, number>();
  /** Make every object under a prefix appear only after this many LISTs. */
  listableAfter = new Map<string, number>();
  async exists(b: string, k: string) {
    return this.objects.has(`${b}/${k}`);
  }
  async put(b: string, k: string, body: Buffer) {
    this.puts.push(`${b}/${k}`);
    this.objects.set(`${b}/${k}`, body);
  }
  async get(b: string, k: string) {
    this.gets++;
    const key = `${b}/${k}`;
    const after = this.appearAfter.get(key);
    if (after !== undefined && this.gets <= after) return undefined;
    return this.objects.get(key);
  }
  async list(b: string, prefix: string, max = 1000): Promise<S3Object[]> {
    this.lists++;
    const hidden = [...this.listableAfter].filter(([, n]) => this.lists <= n).map(([p]) => `${b}/${p}`);
    return [...this.objects.keys()]
      .filter((k) => k.startsWith(`${b}/${prefix}`) && !hidden.some((h) => k.startsWith(h)))
      .sort()
      .slice(0, max)
      .map((k) => ({ key: k.slice(b.length + 1), size: this.objects.get(k)!.length }));
  }
}

/** A Progress that records its lines. */
export function recordingProgress(): Progress & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    state: (s, e) => lines.push(`state ${s} ${e}`),
    info: (l) => lines.push(l),
    done: () => undefined,
  };
}

/**
 * The files of an EMR log fixture (test/fixtures/emr-logs/<scenario>/), keyed as they lie under
 * a cluster's log URI, `.gz` files gzipped as EMR writes them. `ids` renames the fixture's
 * cluster and step directories (to lay it out for a moto cluster's step); `only` keeps the keys
 * it accepts (e.g. the step's files without the containers, not uploaded yet).
 */
export function emrLogFixture(
  scenario: string,
  ids: { clusterId?: string; stepId?: string } = {},
  only: (key: string) => boolean = () => true,
): { key: string; body: Buffer }[] {
  const root = join(__dirname, "fixtures", "emr-logs", scenario);
  const out: { key: string; body: Buffer }[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else {
        const parts = r.split("/");
        if (ids.clusterId) parts[0] = ids.clusterId;
        if (ids.stepId && parts[1] === "steps") parts[2] = ids.stepId;
        const key = parts.join("/");
        const text = readFileSync(join(root, r));
        if (only(key)) out.push({ key, body: e.name.endsWith(".gz") ? gzipSync(text) : text });
      }
    }
  };
  walk("");
  return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** The fixture's cluster id and step id (its directory names). */
export function emrLogFixtureIds(scenario: string): { clusterId: string; stepId: string } {
  const root = join(__dirname, "fixtures", "emr-logs", scenario);
  const clusterId = readdirSync(root)[0];
  return { clusterId, stepId: readdirSync(join(root, clusterId, "steps"))[0] };
}
