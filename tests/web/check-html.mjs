// Validates HTML documents offline with html-validate: node check-html.mjs FILE...
// Prints every problem as FILE:LINE:COL: rule: message; exits 1 when there is any.
import { HtmlValidate } from "html-validate";

const validator = new HtmlValidate({
  extends: ["html-validate:recommended", "html-validate:a11y"],
  rules: {
    // Long figures and labels are fine in our tables.
    "long-title": "off",
    // U+2007 figure spaces and typographic quotes are deliberate.
    "no-trailing-whitespace": "off",
    // A run of days with one figure is a bar as wide as the run is long:
    // data, carried in the one style attribute the pages use (flex-grow).
    "no-inline-style": "off",
  },
});

let problems = 0;
for (const file of process.argv.slice(2)) {
  const report = await validator.validateFile(file);
  for (const result of report.results) {
    for (const m of result.messages) {
      problems++;
      console.log(`${file}:${m.line}:${m.column}: ${m.ruleId}: ${m.message}`);
    }
  }
}
console.log(`${problems} problems in ${process.argv.length - 2} documents`);
process.exit(problems ? 1 : 0);
