/** The application version reported by /health and the OpenAPI document. */
import pkg from "../package.json";

export const APP_VERSION: string = pkg.version;
