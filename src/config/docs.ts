/**
 * docs/config.md, generated from the schema's JSON Schema: one table per section with every key's
 * type and allowed range, default and description. Pure: returns the text; scripts/gen-config.ts
 * writes it and a test checks the committed file is current.
 */
import { configDefaults, configJsonSchema } from './schema.js';

interface Node {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, Node>;
  enum?: unknown[];
  anyOf?: Node[];
  items?: Node | false;
  prefixItems?: Node[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
}

export function configDocs(): string {
  const root = configJsonSchema() as Node;
  const out = [
    '# Configuration reference',
    '',
    '<!-- generated from the schema in src/config by `npm run config:gen`; do not edit by hand -->',
    '',
    'Every key, its allowed values and its default. `config/default.json` holds the defaults;',
    '`--config FILE` (JSON) is merged deeply over them, then command-line flags. Unknown keys and',
    "values out of range stop the command at start with the field's path and its allowed range.",
    '`config/schema.json` is the same schema as JSON Schema, for editors.',
    '',
  ];
  for (const [name, sec] of Object.entries(root.properties ?? {})) {
    out.push(
      `## \`${name}\``,
      '',
      `${sec.description ?? ''}`,
      '',
      '| key | allowed | default | description |',
      '|---|---|---|---|',
    );
    rows(sec, name, out);
    out.push('');
  }
  return out.join('\n');
}

function rows(node: Node, path: string, out: string[]): void {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const p = `${path}.${key}`;
    if (child.properties !== undefined) {
      out.push(`| \`${p}\` | object | | ${cell(child.description)} |`);
      rows(child, p, out);
    } else {
      out.push(
        `| \`${p}\` | ${cell(allowed(child))} | ${child.default === undefined ? 'absent' : `\`${JSON.stringify(child.default)}\``} | ${cell(child.description)} |`,
      );
    }
  }
}

function allowed(n: Node): string {
  if (n.anyOf !== undefined) return n.anyOf.map(allowed).join(' or ');
  if (n.enum !== undefined) return n.enum.map((e) => JSON.stringify(e)).join(', ');
  if (n.type === 'null') return 'null';
  if (n.type === 'number' || n.type === 'integer') {
    const lo = n.exclusiveMinimum !== undefined ? `(${n.exclusiveMinimum}` : `[${n.minimum ?? '-inf'}`;
    return `${n.type} in ${lo}, ${n.maximum ?? 'inf'}]`;
  }
  if (n.type === 'array') {
    if (n.prefixItems !== undefined) return `[low, high], each ${allowed(n.prefixItems[0]!)}, low < high`;
    return `non-empty list of ${n.items === false || n.items === undefined ? 'values' : allowed(n.items)}`;
  }
  if (n.type === 'string')
    return n.minLength !== undefined && n.minLength > 0 ? 'non-empty string' : 'string';
  return String(n.type ?? 'any');
}

function cell(s: string | undefined): string {
  return (s ?? '').replace(/\|/g, '\\|');
}

/** The generated files, path (from the repository root) → content. */
export function generatedConfigFiles(): Record<string, string> {
  return {
    'config/default.json': `${JSON.stringify(configDefaults(), null, 2)}\n`,
    'config/schema.json': `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
    'docs/config.md': configDocs(),
  };
}
