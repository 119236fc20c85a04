// Writes a large, valid railyard.config.json for scale benchmarks:
//   node bench/gen-config.mjs OUT_DIR COMPONENTS CRONJOBS
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [out, components = '200', cronjobs = '2000'] = process.argv.slice(2);
if (!out) {
  console.error('usage: node bench/gen-config.mjs OUT_DIR [COMPONENTS] [CRONJOBS]');
  process.exit(2);
}
const n = Number(components);
const workers = {};
const consumers = {};
for (let i = 0; i < n; i++) {
  if (i % 2 === 0) workers[`w${i}`] = { name: `worker-${i}`, pools: `--pool=q${i}a,q${i}b:2 --pool=q${i}c:1 --pool=*:1` };
  else
    consumers[`c${i}`] = {
      name: `kafka-${i}`,
      target: `kafka-${i}`,
      healthPort: 3002,
      consumerClass: `Kafka::Consumers::C${i}Consumer`,
      credentials: { secret: 'kafka', groupIdKey: `G${i}`, usernameKey: `U${i}`, passwordKey: `P${i}` },
    };
}
const kafkaKeys = Object.values(consumers).flatMap((c) => [c.credentials.groupIdKey, c.credentials.usernameKey, c.credentials.passwordKey]);
const tasks = Array.from({ length: Number(cronjobs) }, (_, i) => ({ name: `task-${i}`, schedule: `${i % 60} * * * *`, command: `rake task:t${i}` }));
const app = {
  name: 'bench',
  namespace: 'bench',
  image: { registry: 'registry.example.com', repository: 'bench/app' },
  web: {},
  workers,
  consumers,
  cron: { tasks },
  secrets: [
    { name: 'db', keys: ['DATABASE_HOST', 'DATABASE_USERNAME', 'DATABASE_PASSWORD', 'DATABASE_NAME'], usedBy: ['web', 'cron', 'workers', 'consumers'] },
    { name: 'kafka', keys: kafkaKeys, usedBy: ['consumers'] },
  ],
};
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'railyard.config.json'), JSON.stringify(app));
