/**
 * A job's third-party requirements, packed the way Spark's packaging guide documents for code
 * `--py-files` cannot carry (native wheels): a PEX, built with the `pex` pinned in
 * requirements.txt, for the cluster's platform and the release's interpreter
 * (https://spark.apache.org/docs/3.5.5/api/python/user_guide/python_packaging.html, "Using PEX").
 *
 * - The requirements file must pin every requirement (`name==version`), so the file names the
 *   environment; its key is a hash of the file and of how it is packed (platform, interpreter,
 *   pex and pip versions), so an unchanged lock keeps its key and a re-submit uploads nothing.
 *   PEX builds are reproducible: the same inputs give the same bytes.
 * - For the cluster, only wheels are accepted (`--no-build`): a package built here from an sdist
 *   would be linked against this machine, not the cluster. A requirement with no wheel for the
 *   cluster is a usage error naming it.
 * - `--inherit-path=fallback`: the environment's packages come first, then the interpreter's
 *   own path, where Spark puts PySpark (PYTHONPATH). Without it a PEX hides PySpark from the job.
 * - `--local` builds the same requirements for the local interpreter (.venv), after checking
 *   that the cluster's build works, so a job that passes locally does not fail there for want
 *   of a wheel.
 *
 * Built environments are cached by key under `$XDG_CACHE_HOME/submit-job/pyenvs/`.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, relative } from "node:path";
import { EMR_RELEASE } from "../../constructs/contract/emr-release";
import {
  jobFileName,
  PYTHON_ENV_NAME,
  type PythonEnvAsset,
  requirementsFile,
  requirementText,
} from "../../constructs/contract/job-package";
import { PackError, UsageError } from "./errors";

/** The pex that packs the environments; requirements.txt pins the same version. */
export const PEX_VERSION = "2.105.2";
/** Where a PEX extracts itself when PEX_ROOT is not set (pex's usual default). */
export const RUNTIME_PEX_ROOT = "~/.cache/pex";
/** The pip pex resolves with (pex downloads it once into its cache). */
export const PEX_PIP_VERSION = "24.3.1";

/**
 * The cluster's platform. Amazon Linux 2023, EMR 7's OS (emr-release.json "os"), ships glibc
 * 2.34; the stack's instance types (m5) are x86_64. test/submit-job.pyenv.test.ts fails when the
 * release's OS changes, so these are looked at again.
 */
export const CLUSTER_OS = "Amazon Linux 2023";
export const CLUSTER_GLIBC = { major: 2, minor: 34 } as const;
export const CLUSTER_ARCH = "x86_64";

/** A pex "complete platform": the marker environment and the wheel tags the interpreter accepts. */
export interface CompletePlatform {
  marker_environment: Record<string, string>;
  compatible_tags: string[];
}

/**
 * The tags CPython 3.<minor> on glibc 2.<minor> / `<arch>` accepts, most specific first, in the
 * order packaging.tags.sys_tags() gives them there: its own ABI, abi3, none, abi3 of older
 * minors, then pure Python; each over manylinux_2_<glibc> down to 2_5 with the legacy aliases
 * (2014 = 2_17, 2010 = 2_12, 1 = 2_5), then linux.
 */
export function clusterPlatform(pythonVersion = EMR_RELEASE.python.version): CompletePlatform {
  const m = /^3\.(\d+)$/.exec(pythonVersion);
  if (!m) throw new UsageError(`the release's Python version must look like 3.N, got "${pythonVersion}"`);
  const minor = Number(m[1]);
  const cp = `cp3${minor}`;
  const legacy: Record<number, string> = { 17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1" };
  const platforms: string[] = [];
  for (let g = CLUSTER_GLIBC.minor; g >= 5; g--) {
    platforms.push(`manylinux_2_${g}_${CLUSTER_ARCH}`);
    if (legacy[g]) platforms.push(`${legacy[g]}_${CLUSTER_ARCH}`);
  }
  platforms.push(`linux_${CLUSTER_ARCH}`);
  const tags: string[] = [];
  const each = (f: (p: string) => string) => platforms.forEach((p) => tags.push(f(p)));
  each((p) => `${cp}-${cp}-${p}`);
  each((p) => `${cp}-abi3-${p}`);
  each((p) => `${cp}-none-${p}`);
  for (let v = minor - 1; v >= 2; v--) each((p) => `cp3${v}-abi3-${p}`);
  const pyVersions = [
    `py3${minor}`,
    "py3",
    ...Array.from({ length: minor }, (_, i) => `py3${minor - 1 - i}`),
  ];
  for (const py of pyVersions) each((p) => `${py}-none-${p}`);
  tags.push(`${cp}-none-any`);
  for (const py of pyVersions) tags.push(`${py}-none-any`);
  return {
    marker_environment: {
      implementation_name: "cpython",
      implementation_version: `${pythonVersion}.0`,
      os_name: "posix",
      platform_machine: CLUSTER_ARCH,
      platform_python_implementation: "CPython",
      platform_system: "Linux",
      python_full_version: `${pythonVersion}.0`,
      python_version: pythonVersion,
      sys_platform: "linux",
    },
    compatible_tags: tags,
  };
}

/** One pinned requirement. */
export interface Pin {
  readonly name: string;
  readonly version: string;
  readonly line: number;
}

/** The cluster provides these (the release's Spark); a copy in the environment would shadow it. */
const PROVIDED = new Set(["pyspark", "py4j"]);

const PIN_RE =
  /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(\[[A-Za-z0-9._,\s-]*\])?\s*===?\s*([A-Za-z0-9][A-Za-z0-9.+!_-]*)\s*(;[^#]*?)?((?:\s+--hash=[a-z0-9]+:[0-9a-f]+)*)\s*$/;

/** A requirements file, read and checked: every line pins one requirement. */
export interface Requirements {
  readonly file: string;
  /** The file as shown in messages (relative to the jobs directory's parent). */
  readonly shown: string;
  readonly bytes: Buffer;
  readonly pins: readonly Pin[];
}

/**
 * Parses a requirements file (pip's format, restricted): comments, blank lines, `\`
 * continuations, and lines `name[extras]==version[; marker][ --hash=...]`. Anything else is a
 * usage error naming the line, because a looser file would not name one environment.
 */
export function parseRequirements(text: string, shown: string): Pin[] {
  const pins: Pin[] = [];
  const raw = text.split(/\r?\n/);
  for (let i = 0; i < raw.length; i++) {
    const start = i;
    let line = raw[i];
    while (line.endsWith("\\") && i + 1 < raw.length) line = `${line.slice(0, -1)} ${raw[++i]}`;
    line = requirementText(line);
    if (line === "") continue;
    const m = PIN_RE.exec(line);
    if (!m)
      throw new UsageError(
        `${shown}:${start + 1}: "${line}" is not a pinned requirement (name==version): the file must pin each package, so it names one environment`,
      );
    const name = m[1].toLowerCase().replace(/[._]+/g, "-");
    if (PROVIDED.has(name))
      throw new UsageError(
        `${shown}:${start + 1}: ${m[1]} comes with the cluster (Spark ${EMR_RELEASE.spark}); remove it from ${shown}`,
      );
    if (pins.some((p) => p.name === name))
      throw new UsageError(`${shown}:${start + 1}: ${m[1]} is pinned twice`);
    pins.push({ name, version: m[3], line: start + 1 });
  }
  return pins;
}

/** Reads and checks a requirements file; an empty one (no pins) counts as none. */
export function readRequirements(file: string, jobsDir: string): Requirements | undefined {
  const bytes = readFileSync(file);
  const shown = relative(dirname(jobsDir), file) || file;
  const pins = parseRequirements(bytes.toString("utf8"), shown);
  return pins.length > 0 ? { file, shown, bytes, pins } : undefined;
}

/**
 * The job's requirements (per-job file, else the one for jobs/), read and checked. A per-job
 * file named after the script (`batch_processing.txt`) instead of the job is pointed out, not
 * silently ignored.
 */
export function jobRequirements(jobsDir: string, job: string): Requirements | undefined {
  const snake = join(jobsDir, "requirements", jobFileName(job).replace(/\.py$/, ".txt"));
  const kebab = join(jobsDir, "requirements", `${job}.txt`);
  if (snake !== kebab && existsSync(snake) && !existsSync(kebab))
    throw new UsageError(
      `${snake} is named after the script; name it requirements/${job}.txt (the job's name)`,
    );
  const file = requirementsFile(jobsDir, job);
  return file ? readRequirements(file, jobsDir) : undefined;
}

/** How an environment is packed: for the cluster, or for the local interpreter. */
export type Target = { readonly kind: "cluster" } | { readonly kind: "local"; readonly python: string };

/** Everything that decides the environment's bytes, hashed into its key. */
export function envRecipe(req: Requirements, target: Target): Record<string, unknown> {
  return {
    requirements: createHash("sha256").update(req.bytes).digest("hex"),
    pex: PEX_VERSION,
    pip: PEX_PIP_VERSION,
    inheritPath: "fallback",
    runtimePexRoot: RUNTIME_PEX_ROOT,
    ...(target.kind === "cluster"
      ? { platform: clusterPlatform(), shebang: EMR_RELEASE.python.path, build: false }
      : { python: target.python }),
  };
}

/** The first 12 hex digits of sha256 of the recipe (its JSON, keys in this fixed order). */
export function envHash(req: Requirements, target: Target): string {
  return createHash("sha256")
    .update(JSON.stringify(envRecipe(req, target)))
    .digest("hex")
    .slice(0, 12);
}

/** The pex command line (pure; unit-tested). */
export function pexArgs(
  requirementsFile: string,
  target: Target,
  platformFile: string | undefined,
  out: string,
): string[] {
  // The runtime pex root is written into the PEX; fixed, so the bytes do not depend on the
  // builder's HOME or XDG_CACHE_HOME (PEX_ROOT still overrides it when the PEX runs).
  const args = [
    "-r",
    requirementsFile,
    "--pip-version",
    PEX_PIP_VERSION,
    "--inherit-path=fallback",
    `--runtime-pex-root=${RUNTIME_PEX_ROOT}`,
  ];
  if (target.kind === "cluster")
    args.push(
      "--complete-platform",
      platformFile!,
      "--no-build",
      "--python-shebang",
      EMR_RELEASE.python.path,
    );
  // Locally the shebang is the venv's Python itself, so the environment falls back to the venv's
  // packages as it falls back to the EMR image's on the cluster.
  else args.push("--python", target.python, "--python-shebang", target.python);
  return [...args, "-o", out];
}

/** One line for a failed pex run: a missing wheel names the requirement (a usage error). */
export function pexFailure(stderr: string, req: Requirements, target: Target): Error {
  const missing = /No matching distribution found for ([^\s]+)/.exec(stderr);
  if (missing && target.kind === "cluster")
    return new UsageError(
      `${req.shown}: no wheel of ${missing[1]} for the cluster (CPython ${EMR_RELEASE.python.version}, manylinux_2_${CLUSTER_GLIBC.minor} ${CLUSTER_ARCH}): pin a version that publishes one, or drop it`,
    );
  if (missing)
    return new UsageError(
      `${req.shown}: pex found no distribution of ${missing[1]} for ${target.kind === "local" ? target.python : "the cluster"}`,
    );
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !/^(pid \d+ ->|\s*File |Traceback)/.test(l));
  const error = [...lines].reverse().find((l) => /ERROR|error/.test(l)) ?? lines.at(-1) ?? "no output";
  return new PackError(`pex could not pack ${req.shown}: ${error.replace(/^pip:\s*/, "")}`);
}

/** A built environment. */
export interface PackedEnv {
  readonly path: string;
  readonly hash: string;
  readonly bytes: number;
  readonly sha256: string;
  /** Whether this call ran pex, or found the environment in the cache. */
  readonly packed: "built" | "cached";
}

/** `$XDG_CACHE_HOME/submit-job/pyenvs` (or ~/.cache/...). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "submit-job", "pyenvs");
}

/** Runs pex; resolves with its stderr on failure instead of rejecting (the caller words it). */
function runPex(
  pex: string,
  args: string[],
): Promise<{ ok: boolean; stdout: string; stderr: string; notFound?: boolean }> {
  return new Promise((resolve) => {
    execFile(pex, args, { maxBuffer: 64 << 20, timeout: 30 * 60_000 }, (err, stdout, stderr) => {
      const out = { stdout: String(stdout), stderr: String(stderr) };
      if (!err) return resolve({ ok: true, ...out });
      resolve({ ok: false, ...out, notFound: (err as NodeJS.ErrnoException).code === "ENOENT" });
    });
  });
}

/** The pex of the repo's venv, checked to be the pinned version. */
export function pexBinary(repoRoot: string): string {
  const pex = join(repoRoot, ".venv", "bin", "pex");
  if (!existsSync(pex))
    throw new UsageError(
      `${pex} not found: run \`make install\` (pex ${PEX_VERSION} from requirements.txt packs the job's requirements)`,
    );
  return pex;
}

/**
 * Packs `req` for `target` into the cache (or finds it there). `info` reports progress on
 * stderr: a first build downloads wheels and takes a while.
 */
export async function packEnv(
  repoRoot: string,
  req: Requirements,
  target: Target,
  info: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PackedEnv> {
  const hash = envHash(req, target);
  const dir = join(cacheDir(env), `${target.kind}-${hash}`);
  const path = join(dir, PYTHON_ENV_NAME);
  const done = (packed: PackedEnv["packed"]): PackedEnv => {
    const data = readFileSync(path);
    return {
      path,
      hash,
      bytes: data.length,
      sha256: createHash("sha256").update(data).digest("hex"),
      packed,
    };
  };
  if (existsSync(path)) return done("cached");
  const pex = pexBinary(repoRoot);
  const version = await runPex(pex, ["--version"]);
  if (version.notFound) throw new UsageError(`cannot run ${pex}: run \`make install\``);
  const installed = version.stdout.trim();
  if (installed !== PEX_VERSION)
    throw new UsageError(
      `${pex} is pex ${installed || "(unknown)"}, but environments are packed with pex ${PEX_VERSION}: run \`make install\``,
    );
  mkdirSync(dir, { recursive: true });
  const tmp = mkdtempSync(join(dir, ".build-"));
  try {
    let platformFile: string | undefined;
    if (target.kind === "cluster") {
      platformFile = join(tmp, "platform.json");
      writeFileSync(platformFile, JSON.stringify(clusterPlatform()));
    }
    const out = join(tmp, PYTHON_ENV_NAME);
    info(
      `packing ${req.shown} (${req.pins.length} pinned) for ${target.kind === "cluster" ? `the cluster (CPython ${EMR_RELEASE.python.version}, manylinux_2_${CLUSTER_GLIBC.minor} ${CLUSTER_ARCH})` : target.python} with pex ${PEX_VERSION}`,
    );
    const r = await runPex(pex, pexArgs(req.file, target, platformFile, out));
    if (r.notFound) throw new UsageError(`cannot run ${pex}: run \`make install\``);
    if (!r.ok) throw pexFailure(r.stderr, req, target);
    renameSync(out, path);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return done("built");
}

/**
 * `job`'s requirements packed for the cluster, as the stack uploads them for the steps it starts
 * itself (the stream trigger's); undefined when the job has none. The same build and cache as
 * submit-job's, so both name the same key.
 */
export async function packForStack(
  repoRoot: string,
  jobsDir: string,
  job: string,
  info: (line: string) => void,
): Promise<PythonEnvAsset | undefined> {
  const req = jobRequirements(jobsDir, job);
  if (!req) return undefined;
  const env = await packEnv(repoRoot, req, { kind: "cluster" }, info);
  return { path: env.path, hash: env.hash, requirements: req.shown };
}
