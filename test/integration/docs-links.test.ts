/**
 * The documents point at what exists: every relative link in the README, docs/ and the measurement
 * log names a file of the repository, every #anchor into the README names one of its headings, and
 * every source comment that cites a README section (README "Section") names a heading.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const slug = (h: string): string =>
  h
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replace(/ /g, '-');
const headings = (md: string): string[] => [...md.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1]!);
const README = readFileSync('README.md', 'utf8');
const anchors = new Set(headings(README).map(slug));

function files(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p, ext) : p.endsWith(ext) ? [p] : [];
  });
}

test('relative links in the README, docs/ and bench/results/LOG.md resolve; README anchors exist', () => {
  const broken: string[] = [];
  for (const doc of ['README.md', 'bench/results/LOG.md', ...files('docs', '.md')]) {
    for (const m of readFileSync(doc, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/.test(target)) continue;
      const [path, anchor] = target.split('#');
      const file = path === '' ? doc : resolve(dirname(doc), path!);
      if (!existsSync(file)) broken.push(`${doc}: ${target} (no such file)`);
      else if (
        anchor !== undefined &&
        file.endsWith('README.md') &&
        resolve(file) === resolve('README.md') &&
        !anchors.has(anchor)
      )
        broken.push(`${doc}: ${target} (no such heading)`);
    }
  }
  assert.deepEqual(broken, []);
});

test('source comments and docs that cite a README section name one of its headings', () => {
  const names = new Set(headings(README).map((h) => h.trim()));
  const missing: string[] = [];
  for (const f of [...files('src', '.ts'), ...files('docs', '.md')]) {
    for (const m of readFileSync(f, 'utf8').matchAll(/README[^"\n]{0,20}"([^"]+)"/g))
      if (!names.has(m[1]!) && !README.includes(`**${m[1]}**`)) missing.push(`${f}: README "${m[1]}"`);
  }
  assert.deepEqual(missing, []);
});
