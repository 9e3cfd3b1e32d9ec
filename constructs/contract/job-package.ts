/**
 * The job package: what a job ships to S3 and how its keys are named, the same for JobTrigger
 * (the streaming processor, uploaded by terraform) and submit-job (any job, uploaded by the CLI).
 *
 * A package is the job script plus, when it imports local helper packages (`jobs/common`), a
 * deterministic zip of them passed as `--py-files`. Both live under one content-addressed
 * prefix, `scripts/<job>/<hash>/`, where `<hash>` is the first 12 hex digits of
 * sha256(script bytes ‖ zip bytes): changing either gives a new prefix, an unchanged package
 * the same keys (so nothing is uploaded twice and a running step never sees its files change).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { crc32, deflateRawSync } from "node:zlib";
import { LAKE_PREFIXES } from "./lake";

/** File name of the helper zip inside a package prefix. */
export const PY_FILES_NAME = "common.zip";

/**
 * A job's pinned third-party requirements: `jobs/requirements/<job>.txt`, else the one file for
 * every job, `jobs/requirements.txt`; undefined when neither exists (the job needs only what the
 * EMR image has). submit-job packs them into a Python environment (see pythonEnvKey).
 */
export function requirementsFile(jobsDir: string, job: string): string | undefined {
  for (const f of [join(jobsDir, "requirements", `${job}.txt`), join(jobsDir, "requirements.txt")])
    if (existsSync(f) && statSync(f).isFile()) return f;
  return undefined;
}

/**
 * Whether a requirements file names any package: a line that is not blank or a comment. (That
 * each is a pin is checked where the file is packed, scripts/submit-job/pyenv.ts; a file of
 * comments only counts as none there too.)
 */
export function declaresRequirements(file: string): boolean {
  return readFileSync(file, "utf8")
    .split(/\r?\n/)
    .some((l) => requirementText(l) !== "");
}

/** A requirements-file line without its comment (pip's rule: `#` at the start or after a space), trimmed. */
export function requirementText(line: string): string {
  return line.replace(/(^|\s)#.*$/, "").trim();
}

/** A packed Python environment built for the cluster, for the stack to upload. */
export interface PythonEnvAsset {
  /** The built PEX on this machine. */
  readonly path: string;
  /** Its key's hash (see pythonEnvKey). */
  readonly hash: string;
  /** The requirements file it packs, as shown in messages (e.g. `jobs/requirements.txt`). */
  readonly requirements: string;
}

/** File name of a packed Python environment (a PEX) inside its prefix; also its name on the cluster. */
export const PYTHON_ENV_NAME = "pyenv.pex";

/**
 * Where packed Python environments go below the scripts prefix. A job name never starts with
 * `_`, so this never meets a job's `<job>/` prefix.
 */
export const PYTHON_ENVS_DIR = "_pyenvs/";

/**
 * The key of a packed environment: `scripts/_pyenvs/<hash>/pyenv.pex`, `<hash>` naming its
 * inputs (the requirements file and how it is packed), so an unchanged lock keeps its key and
 * is uploaded once, whatever the job's script does. Jobs that share a requirements file share it.
 */
export function pythonEnvKey(hash: string, scriptsPrefix: string = LAKE_PREFIXES.scripts): string {
  return `${scriptsPrefix}${PYTHON_ENVS_DIR}${hash}/${PYTHON_ENV_NAME}`;
}

/** Job names are kebab-case file names: `batch-processing` ↔ `jobs/batch_processing.py`. */
export const JOB_NAME_RE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** `batch-processing` → `batch_processing.py`. */
export function jobFileName(job: string): string {
  return `${job.replace(/-/g, "_")}.py`;
}

/** `batch_processing.py` → `batch-processing`. */
export function jobNameOf(file: string): string {
  return file.replace(/\.py$/, "").replace(/_/g, "-");
}

/**
 * Local packages/modules the job imports (`from common.x import y`, `import common`,
 * `from jobs.common import z`), as paths relative to the directory the zip is rooted at.
 */
export function localImports(jobsDir: string, src: string): { root: string; paths: string[] } {
  const mods = new Set<string>();
  for (const m of src.matchAll(/^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import|import[ \t]+([\w., \t]+))/gm)) {
    const names = m[1] ? [m[1]] : m[2].split(",").map((s) => s.trim().split(/\s+/)[0]);
    for (const n of names) if (n) mods.add(n);
  }
  const jobsName = jobsDir.split(sep).filter(Boolean).pop() ?? "jobs";
  const parent = join(jobsDir, "..");
  const paths = new Set<string>();
  let rootIsParent = false;
  for (const mod of mods) {
    const parts = mod.split(".");
    if (parts[0] === jobsName && parts.length > 1) {
      // `from jobs.common.x import y`: the zip must contain jobs/__init__.py + jobs/common/...
      rootIsParent = true;
      const sub = parts[1];
      if (existsSync(join(jobsDir, sub))) paths.add(join(jobsName, sub));
      else if (existsSync(join(jobsDir, `${sub}.py`))) paths.add(join(jobsName, `${sub}.py`));
      if (existsSync(join(jobsDir, "__init__.py"))) paths.add(join(jobsName, "__init__.py"));
    } else if (
      existsSync(join(jobsDir, parts[0], "__init__.py")) ||
      (existsSync(join(jobsDir, parts[0])) && statSync(join(jobsDir, parts[0])).isDirectory())
    ) {
      paths.add(parts[0]);
    } else if (existsSync(join(jobsDir, `${parts[0]}.py`))) {
      paths.add(`${parts[0]}.py`);
    }
  }
  if (rootIsParent) {
    // Mixed styles: re-root the plain ones under the jobs dir name too.
    const fixed = [...paths].map((p) =>
      p.startsWith(jobsName + sep) || p === jobsName ? p : join(jobsName, p),
    );
    return { root: parent, paths: [...new Set(fixed)].sort() };
  }
  return { root: jobsDir, paths: [...paths].sort() };
}

/** All files under the given relative paths (recursively), skipping caches and tests. */
export function collectFiles(root: string, paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = join(root, rel);
    const st = statSync(abs);
    if (st.isDirectory()) {
      for (const e of readdirSync(abs)) {
        if (e === "__pycache__" || e === "tests" || e.startsWith(".")) continue;
        walk(join(rel, e));
      }
    } else if (/\.py$/.test(rel) && !/(^|\/)(test_[^/]*|conftest)\.py$/.test(rel))
      out.push(rel.split(sep).join("/"));
  };
  for (const p of paths) walk(p);
  return [...new Set(out)].sort();
}

/**
 * A deterministic zip (sorted entries, fixed 1980-01-01 timestamps, fixed permissions), so the
 * same helper sources always give the same bytes and the same content-addressed key.
 * Format: https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT (no zip64: helpers are small).
 */
export function deterministicZip(files: readonly { name: string; data: Buffer }[]): Buffer {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  const DOS_TIME = 0;
  const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
  for (const f of sorted) {
    const name = Buffer.from(f.name, "utf8");
    const deflated = deflateRawSync(f.data, { level: 9 });
    const crc = crc32(f.data) >>> 0;
    // The fields the local header (from byte 4) and the central directory's header (from byte 6,
    // after "version made by") share, in the same order: version needed … file name length.
    const writeEntryFields = (header: Buffer, at: number): void => {
      header.writeUInt16LE(20, at); // version needed
      header.writeUInt16LE(0x0800, at + 2); // UTF-8 names
      header.writeUInt16LE(8, at + 4); // deflate
      header.writeUInt16LE(DOS_TIME, at + 6);
      header.writeUInt16LE(DOS_DATE, at + 8);
      header.writeUInt32LE(crc, at + 10);
      header.writeUInt32LE(deflated.length, at + 14);
      header.writeUInt32LE(f.data.length, at + 18);
      header.writeUInt16LE(name.length, at + 22);
    };
    const local = Buffer.alloc(30); // the extra field's length (bytes 28-29) stays 0
    local.writeUInt32LE(0x04034b50, 0);
    writeEntryFields(local, 4);
    const central = Buffer.alloc(46); // extra, comment, disk and internal attributes stay 0
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: unix, 2.0
    writeEntryFields(central, 6);
    central.writeUInt32LE(((0o100644 << 16) >>> 0) as number, 38); // regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, deflated);
    centrals.push(central, name);
    offset += local.length + name.length + deflated.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(sorted.length, 8);
  end.writeUInt16LE(sorted.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** The helper zip for a job, or undefined when it imports nothing local. */
export function helperZip(jobsDir: string, jobSrc: string): { data: Buffer; files: string[] } | undefined {
  const { root, paths } = localImports(jobsDir, jobSrc);
  if (paths.length === 0) return undefined;
  const files = collectFiles(root, paths);
  if (files.length === 0) return undefined;
  return {
    data: deterministicZip(files.map((name) => ({ name, data: readFileSync(join(root, name)) }))),
    files,
  };
}

/** Where the zip is rooted relative to the jobs dir (for --local PYTHONPATH). */
export function relativeRoot(jobsDir: string, root: string): string {
  return relative(jobsDir, root) || ".";
}

/** A job's package, ready to upload. Keys are relative to the lake bucket. */
export interface JobPackage {
  readonly job: string;
  readonly scriptFile: string;
  readonly script: Buffer;
  /** The helper zip; undefined when the job imports no local package. */
  readonly pyFiles?: { readonly data: Buffer; readonly files: readonly string[] };
  /** 12 hex digits of sha256(script ‖ zip). */
  readonly hash: string;
  /** `<job>/<hash>/`, below the `scripts/` prefix (or a stack's `scripts_uri`). */
  readonly prefix: string;
}

/** The package hash: 12 hex digits of sha256(script ‖ zip). */
export function packageHash(script: Uint8Array, zip: Uint8Array | undefined): string {
  const h = createHash("sha256").update(script);
  if (zip) h.update(zip);
  return h.digest("hex").slice(0, 12);
}

/**
 * Builds the package of `jobs/<jobFileName(job)>`. Throws when the script does not exist (callers
 * turn that into their own error: a construct prop or a CLI usage error).
 */
export function jobPackage(jobsDir: string, job: string): JobPackage {
  const scriptFile = jobFileName(job);
  const script = readFileSync(join(jobsDir, scriptFile));
  const pyFiles = helperZip(jobsDir, script.toString("utf8"));
  const hash = packageHash(script, pyFiles?.data);
  return { job, scriptFile, script, ...(pyFiles ? { pyFiles } : {}), hash, prefix: `${job}/${hash}/` };
}

/**
 * Keys of a package: `scripts/<job>/<hash>/<file>`. `scriptsPrefix` replaces `scripts/` when the
 * caller has a stack's `scripts_uri` instead (its key part: ending in `/`, or empty at the root).
 */
export function packageKeys(
  pkg: JobPackage,
  scriptsPrefix: string = LAKE_PREFIXES.scripts,
): { script: string; pyFiles?: string } {
  const base = `${scriptsPrefix}${pkg.prefix}`;
  return { script: base + pkg.scriptFile, ...(pkg.pyFiles ? { pyFiles: base + PY_FILES_NAME } : {}) };
}
