/**
 * The architecture rules of .dependency-cruiser.cjs catch what they are meant to: run on a small
 * tree that breaks each rule once, dependency-cruiser names every violation (so `npm run lint`
 * passing on src/ means something), and the same tree without the offending imports passes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { main } from '../../src/cli/main.js';

const CONFIG = resolve('.dependency-cruiser.cjs');
const DEPCRUISE = resolve('node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'showertrig-lint-'));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true },
      include: ['src'],
    }),
  );
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function lint(dir: string): { code: number | null; out: string } {
  // CI may force colours (FORCE_COLOR in its environment): ask for none, and strip any that come anyway.
  const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  const r = spawnSync(process.execPath, [DEPCRUISE, 'src', '--config', CONFIG], {
    cwd: dir,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  // eslint-disable-next-line no-control-regex
  return { code: r.status, out: `${r.stdout}${r.stderr}`.replace(/\u001b\[[0-9;]*m/g, '') };
}

const base: Record<string, string> = {
  'src/config/index.ts': "export { loadIt } from './load.js';\n",
  'src/config/load.ts': 'export const loadIt = (): number => 1;\n',
  'src/sim/index.ts': "import { loadIt } from '../config/index.js';\nexport const sim = loadIt;\n",
  'src/cli/args.ts': 'export const flag = 1;\n',
  'src/cli/run.ts': "import { flag } from './args.js';\nexport const command = flag;\n",
  'src/cli/record.ts': "import { flag } from './args.js';\nexport const command = flag;\n",
};

test(
  'the dependency rules: commands stay apart, physics cannot reach fs through a barrel',
  { timeout: 120_000 },
  () => {
    const clean = lint(tree(base));
    assert.equal(clean.code, 0, clean.out);
    const broken = lint(
      tree({
        ...base,
        // physics → config barrel → a module that reads files: allowed one hop at a time, refused as a chain
        'src/config/load.ts':
          "import { readFileSync } from 'node:fs';\nexport const loadIt = (): number => readFileSync('x').length;\n",
        'src/cli/record.ts': "import { command as run } from './run.js';\nexport const command = run;\n",
        // a command file doing the simulator's work itself instead of calling src/app
        'src/cli/run.ts':
          "import { flag } from './args.js';\nimport { sim } from '../sim/index.js';\nexport const command = flag + sim();\n",
      }),
    );
    assert.notEqual(broken.code, 0, broken.out);
    assert.match(broken.out, /physics-no-io-transitive: src\/sim\/index\.ts → (node:)?fs\n/);
    assert.match(broken.out, /no-command-imports-command: src\/cli\/record\.ts → src\/cli\/run\.ts/);
    assert.match(broken.out, /cli-only-parses: src\/cli\/run\.ts → src\/sim\/index\.ts/);
    assert.doesNotMatch(
      broken.out,
      /physics-no-io:/,
      'sim itself imports no I/O library: only the transitive rule sees it',
    );
  },
);

test("the rule knows every command: its list of command files is main.ts's list of commands", async () => {
  let out = '';
  await main(['help'], { out: (s) => void (out += s), err: () => undefined });
  const commands = [...out.matchAll(/^ {2}([a-z][a-z0-9-]*) {2,}/gm)].map((m) => m[1]!).sort();
  assert.ok(commands.length >= 10, out);
  const config = createRequire(import.meta.url)(CONFIG) as {
    forbidden: { name: string; from: { path?: string } }[];
  };
  const rule = config.forbidden.find((r) => r.name === 'no-command-imports-command')!;
  const listed = [...rule.from.path!.matchAll(/\(([^()]*)\)/g)].at(-1)![1]!.split('|').sort();
  assert.deepEqual(listed, commands);
});
