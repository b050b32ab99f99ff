// Copy the visualisation library kg browse serves (vis-network's standalone UMD build, which
// bundles vis-data and its CSS) and its licences into kg/browse/static/vendor/.
// Reproduce with:  cd tools/browse-vendor && npm ci && node copy.mjs
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, "node_modules", "vis-network");
const out = join(here, "..", "..", "kg", "browse", "static", "vendor");
mkdirSync(out, { recursive: true });
const files = [
  ["standalone/umd/vis-network.min.js", "vis-network.min.js"],
  ["LICENSE-MIT", "vis-network-LICENSE-MIT"],
  ["LICENSE-APACHE-2.0", "vis-network-LICENSE-APACHE-2.0"],
];
for (const [from, to] of files) copyFileSync(join(pkg, from), join(out, to));
const version = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).version;
writeFileSync(join(out, "README.txt"),
  `vis-network ${version} (https://github.com/visjs/vis-network), dual licensed MIT / Apache-2.0:\n` +
  `see vis-network-LICENSE-MIT and vis-network-LICENSE-APACHE-2.0.\n` +
  `Copied from npm by tools/browse-vendor (npm ci && node copy.mjs); do not edit by hand.\n`);
console.log(`vis-network ${version} copied to ${out}`);
