import type { ParameterizedContext } from 'koa';

export interface AppState {
  requestId: string;
  /** Render errors as HTML (hosted pages) instead of JSON. */
  html?: boolean;
  [key: string]: unknown;
}

/** Koa's context plus what @koa/router adds (its own type for this is not exported). */
export type AppContext = ParameterizedContext<AppState> & {
  params: Record<string, string | undefined>;
  _matchedRoute?: string | RegExp;
};
