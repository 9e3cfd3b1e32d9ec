/** Rewrites every `"…DateTime": "<ISO-8601>"` in a JSON text to epoch seconds (null if unparsable). */
export declare function epochTimestamps(text: string): string;
/** Rewrites the timestamps of EMR responses made through `http.request`; returns the undo. */
export declare function rewriteEmrResponses(http: typeof import("node:http")): () => void;
