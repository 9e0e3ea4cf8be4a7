import type { ParameterizedContext } from 'koa';
import type { OrgAccess } from '../authz/roles.ts';
import type { Service } from '../db/models.ts';
import type { KeyPrincipal } from '../service-api/auth.ts';
import type { Page } from './validate.ts';
import type { Brand } from './brand.ts';

/**
 * What middleware leaves on ctx.state for what runs after it. Every field is named here (there is no
 * index signature), so each read is typed and a misspelt write does not compile.
 */
export interface AppState {
  requestId: string;
  /** Render errors as HTML (hosted pages) instead of JSON. */
  html?: boolean;
  /** The organization's branding once a hosted route knows it, for its error page too (http/html.ts). */
  brand?: Brand;
  /** The signed-in admin account and its session (auth/middleware.ts, requireAccount). */
  accountId?: string;
  sessionId?: string;
  /** The Service API key's principal (service-api/guard.ts). */
  principal?: KeyPrincipal;
  /** The organization the path names and the caller's role in it (authz/access.ts). */
  access?: OrgAccess;
  /** The service the path names (authz/access.ts, serviceAccess). */
  service?: Service;
  /**
   * The validated body and query string, and the pagination (http/validate.ts). Recorded here for
   * what runs after the route; the handler itself gets them typed from route() (http/route.ts).
   */
  input?: unknown;
  query?: unknown;
  page?: Page;
}

/** Koa's context plus what @koa/router adds (its own type for this is not exported). */
export type AppContext = ParameterizedContext<AppState> & {
  params: Record<string, string | undefined>;
  _matchedRoute?: string | RegExp;
};
