export {
  findNginx,
  killAllNginx,
  type NginxConfigContext,
  type NginxServer,
  nginxConfig,
  type StartNginxOptions,
  startNginx
} from './nginx.ts'
export {
  findRedisServer,
  freePort,
  killAllRedis,
  type RedisServer,
  redisForTest,
  type StartRedisOptions,
  startRedis,
  type Teardownable
} from './redis.ts'
export {
  findRedisCli,
  type RedisCluster,
  type StartRedisClusterOptions,
  startRedisCluster
} from './redis-cluster.ts'
