// JSON schemas shared by the route groups (fastify serializes responses with them; @fastify/swagger documents them).

/** Every error answer: `{error}`. */
export const errorSchema = {
  type: 'object',
  properties: { error: { type: 'string' } },
  required: ['error'],
} as const;

/** The 401 answer, on every route that needs the token (when one is configured). */
export const unauthorized = { 401: { description: 'Missing or wrong bearer token', ...errorSchema } } as const;

/** Routes behind the token say so in the OpenAPI document. */
export const bearerSecurity = [{ bearerAuth: [] }];
