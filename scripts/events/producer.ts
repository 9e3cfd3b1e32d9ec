/**
 * Sends records to Kinesis with PutRecords: batches of ≤ 500 records and ≤ 5 MB (data +
 * partition keys), retrying only the entries that failed, with exponential backoff and jitter.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
 */
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandOutput } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";

/**
 * A Kinesis client over HTTP/1.1. The SDK's Kinesis default is an HTTP/2 handler (for
 * SubscribeToShard), which fails against plain-HTTP endpoints such as a local moto server
 * ("ERR_HTTP2_ERROR: Protocol error"); PutRecords needs nothing from HTTP/2. Honours the
 * standard AWS environment (AWS_ENDPOINT_URL, AWS_REGION, AWS_PROFILE, ...).
 */
export function kinesisClient(): KinesisClient {
  return new KinesisClient({ requestHandler: new NodeHttpHandler() });
}

export const MAX_BATCH_RECORDS = 500;
export const MAX_BATCH_BYTES = 5 * 1024 * 1024;
/** A single record's data + partition key may not exceed 1 MiB. */
export const MAX_RECORD_BYTES = 1024 * 1024;

export interface OutRecord {
  readonly data: Uint8Array;
  readonly partitionKey: string;
}

/** The one Kinesis call the producer makes (a fake in unit tests, KinesisClient otherwise). */
export interface KinesisApi {
  send(command: PutRecordsCommand): Promise<Pick<PutRecordsCommandOutput, "FailedRecordCount" | "Records">>;
}

export interface SendOptions {
  readonly streamName: string;
  /** Attempts per batch, including the first. @default 6 */
  readonly maxAttempts?: number;
  /** First backoff in ms, doubled per attempt (full jitter). @default 100 */
  readonly baseDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Records per PutRecords call (smaller batches smooth a --rate). @default 500 */
  readonly batchRecords?: number;
}

export interface SendTotals {
  sent: number;
  failed: number;
  batches: number;
  retries: number;
  /** Error codes of the entries that still failed after the last attempt. */
  failureCodes: Record<string, number>;
}

const recordBytes = (r: OutRecord): number => r.data.byteLength + Buffer.byteLength(r.partitionKey);

/** Splits records into PutRecords batches within the count and size limits. */
export function* batches(
  records: Iterable<OutRecord>,
  maxRecords = MAX_BATCH_RECORDS,
): Generator<OutRecord[]> {
  let batch: OutRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = recordBytes(r);
    if (size > MAX_RECORD_BYTES)
      throw new RangeError(`record of ${size} bytes exceeds the 1 MiB Kinesis limit`);
    if (batch.length >= Math.min(maxRecords, MAX_BATCH_RECORDS) || bytes + size > MAX_BATCH_BYTES) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(r);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

/** Puts one batch, retrying the failed entries only; adds the outcome to `totals`. */
export async function putBatch(
  kinesis: KinesisApi,
  batch: OutRecord[],
  opts: SendOptions,
  totals: SendTotals,
): Promise<void> {
  const maxAttempts = opts.maxAttempts ?? 6;
  const base = opts.baseDelayMs ?? 100;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = opts.random ?? Math.random;
  let pending = batch;
  let lastCodes: string[] = [];
  for (let attempt = 1; pending.length > 0 && attempt <= maxAttempts; attempt++) {
    if (attempt > 1) {
      totals.retries += pending.length;
      await sleep(Math.floor(random() * base * 2 ** (attempt - 2)));
    }
    let res: Awaited<ReturnType<KinesisApi["send"]>>;
    try {
      res = await kinesis.send(
        new PutRecordsCommand({
          StreamName: opts.streamName,
          Records: pending.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })),
        }),
      );
    } catch (err) {
      // Throttling of the whole call is retryable; anything else (no such stream, auth) is not.
      const name = (err as { name?: string }).name ?? "";
      if (!/Throughput|Throttl|LimitExceeded|InternalFailure|ServiceUnavailable/.test(name)) throw err;
      lastCodes = pending.map(() => name);
      continue;
    }
    const results = res.Records ?? [];
    const next: OutRecord[] = [];
    lastCodes = [];
    pending.forEach((r, i) => {
      const code = results[i]?.ErrorCode;
      if (code) {
        next.push(r);
        lastCodes.push(code);
      }
    });
    totals.sent += pending.length - next.length;
    pending = next;
  }
  totals.failed += pending.length;
  for (const c of lastCodes.slice(0, pending.length))
    totals.failureCodes[c] = (totals.failureCodes[c] ?? 0) + 1;
}

/**
 * Sends all records. `pace(sentSoFar)` may delay between batches (rate limiting); batches are
 * sent one at a time, which keeps record order per partition key.
 */
export async function sendRecords(
  kinesis: KinesisApi,
  records: Iterable<OutRecord>,
  opts: SendOptions,
  pace: (sentSoFar: number) => Promise<void> = async () => undefined,
): Promise<SendTotals> {
  const totals: SendTotals = { sent: 0, failed: 0, batches: 0, retries: 0, failureCodes: {} };
  for (const batch of batches(records, opts.batchRecords)) {
    await pace(totals.sent + totals.failed);
    totals.batches++;
    await putBatch(kinesis, batch, opts, totals);
  }
  return totals;
}
