/** Lambda entry of the transform bundle (dist/lambda/firehose-transform/index.js). */
export { handler } from "./handler";
