/**
 * The synthesised configuration as plan-review needs it: each address's construct path, its
 * lifecycle and body, the `moved` blocks, and who references whom (to tell what a replace drags
 * along). The plan JSON carries none of these: `prevent_destroy` is only in cdk.tf.json.
 */
import { Json, JsonObject, SynthJson } from "./types";

export interface SynthResource {
  address: string;
  type: string;
  construct?: string;
  preventDestroy: boolean;
  body: JsonObject;
}

export interface SynthIndex {
  resources: Map<string, SynthResource>;
  moved: { from: string; to: string }[];
  /** address → addresses whose configuration references it (directly) */
  dependents: Map<string, Set<string>>;
}

const REF = /\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)[.}[]/g;

export function indexSynth(tf: SynthJson): SynthIndex {
  const resources = new Map<string, SynthResource>();
  const dependents = new Map<string, Set<string>>();
  for (const [type, byName] of Object.entries(tf.resource ?? {})) {
    for (const [name, body] of Object.entries(byName)) {
      const address = `${type}.${name}`;
      const meta = (body["//"] as { metadata?: { path?: string } } | undefined)?.metadata;
      const lifecycle = body.lifecycle as { prevent_destroy?: boolean } | undefined;
      resources.set(address, {
        address,
        type,
        construct: meta?.path,
        preventDestroy: lifecycle?.prevent_destroy === true,
        body,
      });
    }
  }
  for (const [address, r] of resources) {
    const rest = { ...r.body };
    delete rest["//"];
    const text = JSON.stringify(rest);
    const refs = new Set<string>();
    for (const m of text.matchAll(REF)) refs.add(`${m[1]}.${m[2]}`);
    for (const d of (rest.depends_on as Json[] | undefined) ?? []) if (typeof d === "string") refs.add(d);
    for (const ref of refs) {
      if (ref === address || !resources.has(ref)) continue;
      if (!dependents.has(ref)) dependents.set(ref, new Set());
      dependents.get(ref)!.add(address);
    }
  }
  return { resources, moved: tf.moved ?? [], dependents };
}

/**
 * The construct path an address names without a synth: cdktf's logical id is the path below the
 * stack joined by `_`, then `_` and 8 hex digits of its MD5.
 */
export function constructFromAddress(address: string): string {
  const name = address.slice(address.indexOf(".") + 1);
  return name
    .replace(/_[0-9A-F]{8}$/, "")
    .split("_")
    .join("/");
}

/** Every address that (transitively) references `address` in the configuration. */
export function transitiveDependents(index: SynthIndex, address: string): Set<string> {
  const seen = new Set<string>();
  const queue = [address];
  while (queue.length > 0) {
    const a = queue.shift()!;
    for (const d of index.dependents.get(a) ?? []) {
      if (!seen.has(d) && d !== address) {
        seen.add(d);
        queue.push(d);
      }
    }
  }
  return seen;
}
