export { packageMeta } from './package-meta';
export { EndpointConfigSchema, defaultEndpointName, type EndpointConfig, type ResolvedEndpointConfig } from './endpoint/endpoint-config';
