// The admin plane's one request shape. Every route is a list of steps and a handler:
//
//   router.patch('/:planId', route(serviceAccess('admin'), planInPath(db), body(UpdatePlan), async (ctx, { plan, input }) => {
//     ctx.body = await planWithCount(db, await updatePlan(db, plan, input));
//   }));
//
// Each step runs in the order written and either refuses the request (throws an AppError) or yields
// named values; the handler receives every step's values, typed, in one object. The order is the
// order of the checks a client sees: in the example a plan that does not exist is a 404 even when
// the body is also invalid, because the plan step comes before the body step.
//
// Why steps and not plain Koa middleware: a middleware can only hand a value on through ctx.state,
// whose field for "the parsed body" cannot know which schema parsed it, so the handler would need a
// cast. A step returns its value, so its type flows to the handler. The shared steps (signedIn,
// orgAccess, serviceAccess, body, query, paged) also record what they found on ctx.state (see
// AppState), for anything that runs after the route.
import type { Next } from 'koa';
import type { AppContext } from './context.ts';
import { badRequest } from './errors.ts';

/**
 * One check or read of a route. `prior` holds the values of the steps before it (a plan is looked up
 * within the service an earlier step loaded).
 */
export type Step<T extends object, Prior extends object = object> = (ctx: AppContext, prior: Prior) => T | Promise<T>;

export type Handler<T> = (ctx: AppContext, values: T) => Promise<void> | void;

type Middleware = (ctx: AppContext, next: Next) => Promise<void>;
/** The overloads below type each call; inside, the steps and the handler are called alike. */
type Part = (ctx: AppContext, values: object) => unknown;

export function route<A extends object>(a: Step<A>, handler: Handler<A>): Middleware;
export function route<A extends object, B extends object>(a: Step<A>, b: Step<B, A>, handler: Handler<A & B>): Middleware;
export function route<A extends object, B extends object, C extends object>(
  a: Step<A>,
  b: Step<B, A>,
  c: Step<C, A & B>,
  handler: Handler<A & B & C>,
): Middleware;
export function route<A extends object, B extends object, C extends object, D extends object>(
  a: Step<A>,
  b: Step<B, A>,
  c: Step<C, A & B>,
  d: Step<D, A & B & C>,
  handler: Handler<A & B & C & D>,
): Middleware;
export function route(...parts: Part[]): Middleware {
  const handler = parts.at(-1);
  const steps = parts.slice(0, -1);
  if (!handler) throw new Error('route() needs a handler');
  // The route is the last middleware of its chain: it never calls next.
  return async (ctx) => {
    const values = {};
    for (const step of steps) Object.assign(values, await step(ctx, values));
    refuseBodyFields(ctx);
    await handler(ctx, values);
  };
}

/**
 * A route without a body step (POST …/rotate-secret, …/test, …/activate, DELETE …) takes no body: a
 * field sent to it is an unknown field, and the contract makes unknown fields a 400 rather than
 * something silently ignored. route() checks it after the steps, so a missing resource is still its
 * 404 first; the Service API's DELETEs call it themselves.
 */
export function refuseBodyFields(ctx: AppContext): void {
  if (ctx.state.input !== undefined) return;
  const raw = ctx.request.body;
  if (raw === null || typeof raw !== 'object') return;
  const fields = Object.keys(raw);
  if (fields.length === 0) return;
  throw badRequest(
    'This endpoint takes no request body',
    fields.slice(0, 20).map((field) => ({ field, message: 'Unknown field' })),
  );
}
