import type { FastifyInstance } from 'fastify';

/**
 * Stops the HTTP side gracefully: the listening socket closes at once (new connections are
 * refused; a request arriving on an open connection gets 503 with `Connection: close`), requests
 * in flight run to their end, and keep-alive connections are closed as soon as they fall idle.
 * After `graceMs` whatever still runs has its connection closed.
 */
export async function closeHttpGracefully(app: FastifyInstance, graceMs = 10_000): Promise<{ forced: boolean }> {
  let forced = false;
  // Keep-alive connections that finish their last request after close() began would otherwise
  // stay open until their idle timeout.
  const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
  const force = setTimeout(() => {
    forced = true;
    app.log.warn({ graceMs }, 'requests still running at the end of the grace period: closing their connections');
    app.server.closeAllConnections();
  }, graceMs);
  try {
    await app.close();
  } finally {
    clearInterval(sweep);
    clearTimeout(force);
  }
  return { forced };
}
