/**
 * Seeded, pure generator of schema-v1 raw events — what producers put on the
 * stream, without the fields the transform adds. Same options → same events, byte for byte,
 * so the demo and the tests are reproducible.
 *
 * Feeds the first stage: raw producer events for Kinesis and the transform Lambda (produce-events,
 * the demo, the transform's tests and benchmark). Its values come from
 * constructs/contract/event-vocabulary.json, shared with jobs/tools/generate_sample_data.py, which
 * writes lake rows for the Spark jobs' tests and benchmark.
 */
import { LOG_TYPES, type LogType } from "../../constructs/contract/event-schema";
import VOCABULARY from "../../constructs/contract/event-vocabulary.json";

/** A raw event as a producer sends it (one JSON object per Kinesis record). */
export type RawEvent = Record<string, string | number | null>;

/** Relative weights of the three log types. */
export type EventMix = Readonly<Record<LogType, number>>;

export interface GenerateOptions {
  /** PRNG seed (any 32-bit integer). */
  readonly seed: number;
  /** Number of events to yield. */
  readonly count: number;
  /** Earliest event time (inclusive). */
  readonly start: Date;
  /** Events spread evenly over this many hours after `start`, so each hour gets count/hours. */
  readonly hours: number;
  /** @default DEFAULT_MIX (60 % web, 25 % application, 15 % IoT) */
  readonly mix?: Partial<EventMix>;
  /** Share of records that violate schema v1 (land under streaming-errors/). @default 0 */
  readonly invalidRatio?: number;
}

export const DEFAULT_MIX: EventMix = { web_access: 0.6, application: 0.25, iot_sensor: 0.15 };

/** mulberry32: tiny, fast, good enough for test data; not for anything secret. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `[value, weight]` pairs as a list holding each value `weight` times: one uniform pick draws by weight. */
const weighted = <T>(pairs: ReadonlyArray<readonly [T, number]>): readonly T[] =>
  pairs.flatMap(([value, w]) => new Array<T>(w).fill(value));
const { web: WEB, application: APPLICATION, iot: IOT } = VOCABULARY;
const WEB_EVENTS = WEB.eventTypes;
const CATEGORIES = WEB.categories;
const METHODS = weighted(WEB.methods as Array<[string, number]>);
const PATHS = WEB.paths;
const STATUSES = weighted(WEB.statusCodes as Array<[number, number]>);
const AGENTS = WEB.userAgents;
const REFERERS = WEB.referers;
const LEVELS = weighted(APPLICATION.levels as Array<[string, number]>);
const LOGGERS = APPLICATION.loggers;
const MESSAGES = APPLICATION.messages;
/** `[device_type, unit, lowest, highest]` (JSON gives a loose array: typed here). */
const DEVICE_TYPES = IOT.devices.map(
  ([type, unit, lo, hi]) => [String(type), String(unit), Number(lo), Number(hi)] as const,
);

/** Ways a generated invalid record breaks schema v1 (each is rejected by the transform). */
const INVALID_KINDS = [
  "missing_event_id",
  "bad_timestamp",
  "bad_log_type",
  "string_status_code",
  "bad_ip",
] as const;

function validateOptions(o: GenerateOptions): void {
  if (!Number.isInteger(o.seed)) throw new RangeError(`seed must be an integer, got ${o.seed}`);
  if (!Number.isInteger(o.count) || o.count < 0)
    throw new RangeError(`count must be an integer ≥ 0, got ${o.count}`);
  if (!(o.start instanceof Date) || Number.isNaN(o.start.getTime()))
    throw new RangeError("start must be a valid Date");
  if (!(o.hours > 0) || !Number.isFinite(o.hours)) throw new RangeError(`hours must be > 0, got ${o.hours}`);
  const r = o.invalidRatio ?? 0;
  if (!(r >= 0 && r <= 1)) throw new RangeError(`invalidRatio must be between 0 and 1, got ${r}`);
  for (const [k, w] of Object.entries(o.mix ?? {})) {
    if (!(LOG_TYPES as readonly string[]).includes(k)) {
      throw new RangeError(`mix key must be one of ${LOG_TYPES.join(", ")}, got ${k}`);
    }
    if (!(typeof w === "number" && w >= 0 && Number.isFinite(w)))
      throw new RangeError(`mix.${k} must be ≥ 0, got ${w}`);
  }
}

/**
 * Yields `count` raw events with timestamps spread evenly over `hours` hours from `start`
 * (event i falls in hour floor(i·hours/count)), a log-type mix and a share of invalid records.
 * Throws RangeError on bad options.
 */
export function* generateEvents(opts: GenerateOptions): Generator<RawEvent> {
  validateOptions(opts);
  const mix: EventMix = { ...DEFAULT_MIX, ...opts.mix };
  const total = LOG_TYPES.reduce((s, t) => s + mix[t], 0);
  if (!(total > 0)) throw new RangeError("mix weights must not all be 0");
  const rnd = prng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const hex = (n: number): string => {
    let s = "";
    for (let i = 0; i < n; i++) s += Math.floor(rnd() * 16).toString(16);
    return s;
  };
  const uuid = (): string =>
    `${hex(8)}-${hex(4)}-4${hex(3)}-${"89ab"[Math.floor(rnd() * 4)]}${hex(3)}-${hex(12)}`;
  const ip = (): string =>
    rnd() < 0.85
      ? `${1 + Math.floor(rnd() * 223)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}`
      : `2001:db8:${hex(4)}:${hex(4)}::${hex(4)}`;
  const startMs = opts.start.getTime();
  const spanMs = opts.hours * 3_600_000;
  const invalidRatio = opts.invalidRatio ?? 0;

  for (let i = 0; i < opts.count; i++) {
    const ts = new Date(startMs + Math.floor(((i + rnd()) * spanMs) / opts.count)).toISOString();
    let u = rnd() * total;
    let logType: LogType = LOG_TYPES[LOG_TYPES.length - 1];
    for (const t of LOG_TYPES) {
      if (u < mix[t]) {
        logType = t;
        break;
      }
      u -= mix[t];
    }
    const ev: RawEvent = { event_id: uuid(), timestamp: ts, log_type: logType };
    const userId = `user-${1 + Math.floor(rnd() * 5000)}`;
    if (logType === "web_access") {
      const eventType = pick(WEB_EVENTS);
      Object.assign(ev, {
        event_type: eventType,
        user_id: userId,
        session_id: `sess-${hex(16)}`,
        category: pick(CATEGORIES),
        value: eventType === "purchase" ? Math.round(rnd() * 50000) / 100 : null,
        ip_address: ip(),
        method: pick(METHODS),
        path: pick(PATHS),
        status_code: pick(STATUSES),
        response_size: Math.floor(rnd() * 200_000),
        user_agent: pick(AGENTS),
        referer: pick(REFERERS),
      });
    } else if (logType === "application") {
      Object.assign(ev, {
        event_type: APPLICATION.eventType,
        user_id: rnd() < 0.7 ? userId : null,
        level: pick(LEVELS),
        logger: pick(LOGGERS),
        message: pick(MESSAGES),
        request_id: uuid(),
        status_code: pick(STATUSES),
      });
    } else {
      const [deviceType, unit, lo, hi] = pick(DEVICE_TYPES);
      Object.assign(ev, {
        event_type: IOT.eventType,
        device_id: `dev-${1 + Math.floor(rnd() * 500)}`,
        device_type: deviceType,
        value: Math.round((lo + rnd() * (hi - lo)) * 100) / 100,
        unit,
      });
    }
    if (rnd() < invalidRatio) {
      switch (pick(INVALID_KINDS)) {
        case "missing_event_id":
          delete ev.event_id;
          break;
        case "bad_timestamp":
          ev.timestamp = "yesterday at noon";
          break;
        case "bad_log_type":
          ev.log_type = "mainframe";
          break;
        case "string_status_code":
          ev.status_code = "OK";
          break;
        case "bad_ip":
          ev.ip_address = "999.1.2.3";
          break;
      }
    }
    yield ev;
  }
}

/** The exact bytes of a Kinesis record's Data for an event (UTF-8 JSON, no newline). */
export function encodeEvent(ev: RawEvent): Uint8Array {
  return Buffer.from(JSON.stringify(ev), "utf8");
}

/** Kinesis partition key: spreads load across shards and keeps one event_id on one shard. */
export function partitionKeyOf(ev: RawEvent, index: number): string {
  return typeof ev.event_id === "string" && ev.event_id !== "" ? ev.event_id : `record-${index}`;
}
