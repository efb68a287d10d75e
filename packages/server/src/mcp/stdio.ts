import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { BackendApi, httpSender } from './backend-api.js';
import { createMcpServer, type McpServerOptions } from './mcp-server.js';

/**
 * `gatehouse mcp`: the tools over stdio for agent hosts that spawn their servers, talking to a
 * Gatehouse at `apiUrl`. Stdout carries the protocol alone; diagnostics go to stderr.
 */
export async function serveMcpOverStdio(apiUrl: string, secretKey: string, options: McpServerOptions): Promise<void> {
  const server = createMcpServer(new BackendApi(httpSender(apiUrl), secretKey), options);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.on('end', () => resolve());
  });
  await server.connect(transport);
  await closed;
  await server.close();
}
