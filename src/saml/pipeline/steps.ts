// The runner behind each endpoint's step list (index.ts for SSO, logout.ts for SLO), in the manner of
// node-oidc-provider's per-endpoint action lists: the list is the endpoint, read top to bottom.
// A step either derives something from what came before (the decoded XML, the verified root element,
// the fields read from it) and adds it to the context, or checks the context and throws a SamlRefusal.
// Each `derive` widens the context's type, so a step that needs `message` does not compile before the
// step that reads it: the order is checked by tsc, and no step casts what it is given.

type Awaitable<T> = T | Promise<T>;

export interface Steps<In extends object, C extends object> {
  /** The steps' function names, in order: what a reviewer audits, and what the tests pin. */
  readonly names: readonly string[];
  /** A step that adds what it found (`{ xml }`, `{ root, signed }`, `{ message }`) to the context. */
  derive<A extends object>(step: (c: C) => Awaitable<A>): Steps<In, C & A>;
  /** A step that refuses (throws) or lets the message through, leaving the context as it is. */
  check(step: (c: C) => Awaitable<void>): Steps<In, C>;
  /** Runs every step in order over `input`; the first refusal stops the run. */
  run(input: In): Promise<C>;
}

export function steps<In extends object>(): Steps<In, In> {
  return chain<In, In>([], (input) => Promise.resolve(input));
}

function chain<In extends object, C extends object>(names: readonly string[], run: (input: In) => Promise<C>): Steps<In, C> {
  return {
    names,
    run,
    derive: (step) =>
      chain([...names, step.name], async (input) => {
        const c = await run(input);
        return { ...c, ...(await step(c)) };
      }),
    check: (step) =>
      chain([...names, step.name], async (input) => {
        const c = await run(input);
        await step(c);
        return c;
      }),
  };
}
