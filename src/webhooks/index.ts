// What other folders may use of the webhooks capability.
export { webhookRoutes } from './routes.ts';
export { CreateWebhook, DeliveryFilter, UpdateWebhook, DELIVERY_STATUSES } from './schemas.ts';
export { EVENT_TYPES, type EventType, type OutboxEvent } from './events.ts';
export { enqueueEvent, outboxStatements, signalOutbox } from './outbox.ts';
export { createWebhookRuntime, type WebhookRuntime } from './runtime.ts';
export { DeliveryWorker } from './worker.ts';
