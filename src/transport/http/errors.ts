/**
 * An error Fastify's default handler turns into its usual JSON shape
 * {statusCode, error, message}.
 */
export function httpError(statusCode: number, message: string): Error & { statusCode: number } {
  return Object.assign(new Error(message), { statusCode });
}
