// The shape of the OpenAPI catalog (openapi-catalog.ts): what each route takes and answers, written
// once and turned into the OpenAPI document by openapi.ts. Kept apart so the catalog holds only routes.
import type { z } from 'zod';

export type Security = 'none' | 'bearer' | 'apiKey' | 'metrics';

export interface Reply {
  status: number;
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json when a schema is given. */
  contentType?: string;
}

export interface OperationDoc {
  summary: string;
  description?: string;
  /** Overrides the group's security. */
  security?: Security;
  body?: z.ZodType;
  bodyType?: 'json' | 'form';
  bodyOptional?: boolean;
  query?: Record<string, { schema: z.ZodType; description: string }>;
  paginated?: boolean;
  ok: Reply;
  also?: Reply[];
  /** Error statuses beyond those implied by security, body and path (401, 400/413/415, 403/404). */
  errors?: number[];
}

export interface RouteGroup {
  tag: string;
  description: string;
  security: Security;
  routes: Record<string, OperationDoc>;
}

export const html = (status: number, description: string): Reply => ({ status, description, contentType: 'text/html' });
export const noContent = (description: string): Reply => ({ status: 204, description });
export const json = (status: number, description: string, schema: z.ZodType): Reply => ({ status, description, schema });
