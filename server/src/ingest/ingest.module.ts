import type { Deps, Module } from '../modules.js';
import type { IngestBus } from './bus.js';
import { BusUnavailableError } from './bus.js';
import { createIngestBus } from './bus-factory.js';
import { captureOpenApiRouter } from './capture.openapi.js';
import { captureRouter } from './capture.router.js';
import { createCaptureService } from './capture.service.js';
import { createTokenResolver } from './project-token.resolve.js';
import { createEventWriter } from './writer.js';

/** The capture gateway and its bus. The bus starts with the module and flushes on stop. */
export function ingestModule(deps: Deps): Module {
  const writer = createEventWriter({ tenants: deps.tenants, log: deps.log });
  let bus: IngestBus | undefined;
  const lazyBus: IngestBus = {
    publish: (events) => (bus ? bus.publish(events) : Promise.reject(new BusUnavailableError('ingestion is not started'))),
    start: async () => {},
    stop: async () => {},
  };
  const service = createCaptureService({ tokens: createTokenResolver(deps.pg), bus: lazyBus, writer, log: deps.log });
  return {
    name: 'ingest',
    routers: [
      { path: '/api/v1/openapi.json', router: captureOpenApiRouter() },
      { path: '/', router: captureRouter(service, deps.log) },
    ],
    async start() {
      const b = await createIngestBus({ config: deps.config, log: deps.log, writer });
      await b.start();
      bus = b;
    },
    async stop() {
      const b = bus;
      bus = undefined;
      await b?.stop();
    },
  };
}
