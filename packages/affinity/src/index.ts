export * from './errors.ts'
export { type KetamaOptions, KetamaRing } from './ketama-ring.ts'
export { NGINX_POINTS_PER_WEIGHT, NginxRing, nginxPoints, splitServer } from './nginx-ring.ts'
export { MAX_WEIGHT, type Ring, type Server, type ServerSpec } from './servers.ts'
