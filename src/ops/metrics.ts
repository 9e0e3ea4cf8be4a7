// Prometheus metrics (prom-client), one registry per app instance.
import client from 'prom-client';

export interface Metrics {
  registry: client.Registry;
  httpDuration: client.Histogram<'method' | 'route' | 'status'>;
  /** One request into httpDuration (label children are kept, so a request does not re-hash its labels). */
  observeRequest(method: string, route: string, status: number, ms: number): void;
  apiKeyFailures: client.Counter;
  rateLimited: client.Counter<'limiter'>;
  /** SSO and IdP-initiated outcomes; `reason` is the refusal's code (saml/pipeline/reasons.ts) when outcome="refused", else "". */
  ssoOutcomes: client.Counter<'outcome' | 'reason'>;
  /** Single Logout outcomes, labelled as ssoOutcomes. */
  sloOutcomes: client.Counter<'outcome' | 'reason'>;
  groupCommitBatch: client.Histogram<'writer'>;
  /** Scheduled SP metadata refreshes that failed (the last good values stayed). */
  metadataRefreshFailures: client.Counter;
}

export function createMetrics(poolStats: () => { total: number; idle: number; waiting: number } | null = () => null): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'tessera_' });
  new client.Gauge({
    name: 'tessera_db_pool_connections',
    help: 'PostgreSQL pool connections by state (absent for SQLite)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const s = poolStats();
      if (!s) return;
      this.set({ state: 'total' }, s.total);
      this.set({ state: 'idle' }, s.idle);
      this.set({ state: 'waiting' }, s.waiting);
    },
  });
  const httpDuration = new client.Histogram({
    name: 'tessera_http_request_duration_seconds',
    help: 'HTTP request duration by route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  // Route templates, methods and statuses are few (unmatched paths share one label), so this stays
  // small; looked up by route, then method and status, without building a key string per request.
  type Child = client.Histogram.Internal<'method' | 'route' | 'status'>;
  const children = new Map<string, Map<string, Map<number, Child>>>();
  return {
    registry,
    httpDuration,
    observeRequest(method, route, status, ms) {
      let byMethod = children.get(route);
      if (!byMethod) children.set(route, (byMethod = new Map<string, Map<number, Child>>()));
      let byStatus = byMethod.get(method);
      if (!byStatus) byMethod.set(method, (byStatus = new Map<number, Child>()));
      let child = byStatus.get(status);
      if (!child) byStatus.set(status, (child = httpDuration.labels({ method, route, status: String(status) })));
      child.observe(ms / 1000);
    },
    apiKeyFailures: new client.Counter({
      name: 'tessera_api_key_auth_failures_total',
      help: 'Service API requests refused for a missing or invalid key',
      registers: [registry],
    }),
    rateLimited: new client.Counter({
      name: 'tessera_rate_limit_rejections_total',
      help: 'Requests refused by a rate limit',
      labelNames: ['limiter'],
      registers: [registry],
    }),
    ssoOutcomes: new client.Counter({
      name: 'tessera_sso_outcomes_total',
      help: 'SAML SSO outcomes, refusals by reason',
      labelNames: ['outcome', 'reason'],
      registers: [registry],
    }),
    sloOutcomes: new client.Counter({
      name: 'tessera_slo_outcomes_total',
      help: 'SAML Single Logout outcomes, refusals by reason',
      labelNames: ['outcome', 'reason'],
      registers: [registry],
    }),
    metadataRefreshFailures: new client.Counter({
      name: 'tessera_saml_metadata_refresh_failures_total',
      help: 'Scheduled SP metadata refreshes that failed; the last good values stayed',
      registers: [registry],
    }),
    groupCommitBatch: new client.Histogram({
      name: 'tessera_group_commit_batch_size',
      help: 'Writes committed together in one transaction, by writer (sign_in, replay)',
      labelNames: ['writer'],
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers: [registry],
    }),
  };
}
