import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CLI, PACKAGE_ROOT } from './cli.js';


export type McpTransportKind = 'stdio' | 'http';

export const TEST_CLIENT = { name: 'gatehouse-test-agent', version: '1.2.3' };

/**
 * An MCP SDK client connected to Gatehouse's tools: over stdio to a spawned `gatehouse mcp`
 * (from source, through tsx) pointed at `url`, or over Streamable HTTP to `url/mcp`.
 */
export async function connectMcp(kind: McpTransportKind, url: string, secretKey: string, flags: string[] = []): Promise<Client> {
  const client = new Client(TEST_CLIENT);
  if (kind === 'stdio') {
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: ['--import', 'tsx', CLI, 'mcp', '--api-url', url, ...flags],
        cwd: PACKAGE_ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', GATEHOUSE_SECRET_KEY: secretKey },
        stderr: 'pipe',
      }),
    );
  } else {
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', url), { requestInit: { headers: { authorization: `Bearer ${secretKey}` } } }));
  }
  return client;
}

export interface ToolOutcome {
  isError: boolean;
  text: string;
  json: unknown;
}

export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolOutcome> {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { isError: result.isError === true, text, json };
}

/** Calls a tool that must succeed and returns its JSON result. */
export async function ok<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const outcome = await callTool(client, name, args);
  if (outcome.isError) throw new Error(`${name} failed: ${outcome.text}`);
  return outcome.json as T;
}
