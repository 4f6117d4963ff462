export { dockerAvailability, type DockerAvailabilityOptions } from './docker-availability';
export { containersOf } from './sandbox-containers';
export {
  freeLoopbackPort,
  localRegistryAvailability,
  pushImage,
  startLocalRegistry,
  startRateLimitingProxy,
  type LocalRegistry,
  type ProxiedRequest,
  type RateLimitingProxy,
} from './local-registry';
