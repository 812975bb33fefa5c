/** The webhook routes: contracts joined to their handlers. */
import { createRouter } from "../../app/create-app";
import * as H from "./webhooks.handlers";
import * as R from "./webhooks.routes";

export const webhooksRouter = createRouter()
  .openapi(R.createEndpointRoute, H.createEndpointHandler)
  .openapi(R.listEndpointsRoute, H.listEndpointsHandler)
  .openapi(R.getEndpointRoute, H.getEndpointHandler)
  .openapi(R.updateEndpointRoute, H.updateEndpointHandler)
  .openapi(R.deleteEndpointRoute, H.deleteEndpointHandler)
  .openapi(R.testEndpointRoute, H.testEndpointHandler)
  .openapi(R.rotateSecretRoute, H.rotateSecretHandler)
  .openapi(R.recoverRoute, H.recoverHandler)
  .openapi(R.listEventsRoute, H.listEventsHandler)
  .openapi(R.getEventRoute, H.getEventHandler)
  .openapi(R.listDeliveriesRoute, H.listDeliveriesHandler)
  .openapi(R.getDeliveryRoute, H.getDeliveryHandler)
  .openapi(R.redeliverRoute, H.redeliverHandler);
