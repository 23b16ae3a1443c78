// Validates an OpenAPI document against the OpenAPI 3.0 JSON schema, offline:
// node check-openapi.mjs FILE. Exits 1 with the errors when it is not valid.
import { Validator } from "@seriousme/openapi-schema-validator";
import { readFileSync } from "node:fs";

const validator = new Validator();
const doc = JSON.parse(readFileSync(process.argv[2], "utf8"));
const res = await validator.validate(doc);
if (!res.valid) {
  console.log(JSON.stringify(res.errors, null, 2));
  process.exit(1);
}
console.log(`valid OpenAPI ${validator.version}`);
