// Writes config/default.json, config/schema.json and docs/config.md from the schema in src/config.
//   node --import tsx scripts/gen-config.ts          (npm run config:gen)
import { mkdirSync, writeFileSync } from 'node:fs';
import { generatedConfigFiles } from '../src/config/index.js';

for (const [path, text] of Object.entries(generatedConfigFiles())) {
  mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true });
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
