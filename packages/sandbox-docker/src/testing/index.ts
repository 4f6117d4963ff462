export { dockerAvailability, type DockerAvailabilityOptions } from './docker-availability';
export { containersOf } from './sandbox-containers';
