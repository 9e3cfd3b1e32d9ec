/** Lambda entry of the trigger bundle (dist/lambda/emr-trigger/index.js). */
export { handler } from "./handler";
