import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GATEHOUSE_TOOLS } from '../../src/mcp/mcp-server.js';

const AGENT = readFileSync(new URL('../../../../agents/auth-specialist.md', import.meta.url), 'utf8');
const README = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');

function frontMatter(text: string): Record<string, unknown> {
  const match = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (!match?.[1]) throw new Error('no front matter');
  return parse(match[1]) as Record<string, unknown>;
}

describe('agents/auth-specialist.md', () => {
  it('is a subagent limited to the Gatehouse MCP server', () => {
    const meta = frontMatter(AGENT);
    expect(typeof meta.description).toBe('string');
    expect((meta.description as string).length).toBeGreaterThan(80);
    expect(meta.mode).toBe('subagent');
    const tools = meta.tools as Record<string, boolean>;
    expect(tools['gatehouse_*']).toBe(true);
    for (const [name, enabled] of Object.entries(tools)) if (name !== 'gatehouse_*') expect(enabled, name).toBe(false);
  });

  it('only calls tools that exist, with arguments they take', () => {
    const byName = new Map(GATEHOUSE_TOOLS.map((tool) => [tool.name, tool]));
    const calls = [...AGENT.matchAll(/gatehouse_(\w+)\((\{[^()]*?\})?\)/g)];
    expect(calls.length).toBeGreaterThanOrEqual(15);
    for (const [, name, args] of calls) {
      const tool = byName.get(name ?? '');
      expect(tool, `gatehouse_${name}`).toBeDefined();
      // Top-level argument names: `key:` right after `{` or `,` (nested objects sit deeper).
      const known = Object.keys(tool?.input.shape ?? {});
      const depthZero = (args ?? '').slice(1, -1).replace(/\{[^{}]*\}|\[[^[\]]*\]/g, '');
      for (const [, key] of depthZero.matchAll(/(?:^|,)\s*(\w+)\s*:/g)) expect(known, `gatehouse_${name} argument ${key}`).toContain(key);
    }
    // Every tool mentioned by bare name in the text exists too.
    for (const [, name] of AGENT.matchAll(/`(\w+)`/g)) {
      if (name && /^(get|create|update|delete|ban|unban|lock|unlock|revoke)[A-Z]/.test(name)) expect(byName.has(name), name).toBe(true);
    }
  });

  it('README lists every tool', () => {
    for (const tool of GATEHOUSE_TOOLS) expect(README, tool.name).toContain(`\`${tool.name}\``);
  });
});
