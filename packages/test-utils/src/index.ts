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
