// The Rails files `railyard synth` writes under rails/, for users to copy into
// their app. Pure: model in, files out.
import type { App } from '../../config/schema.js';
import type { RenderedFile } from '../files.js';
import { databaseYml, mysqlClientCnf } from './database.js';
import { delayedJobInitializer } from './delayed-job.js';
import { healthController, healthRoutes } from './health.js';
import { lograge } from './logging.js';
import { pumaConfig } from './puma.js';
import { racecarInitializer } from './racecar.js';

export function renderRailsFiles(app: App): RenderedFile[] {
  return [
    { path: 'rails/app/controllers/health_controller.rb', content: healthController(app) },
    { path: 'rails/config/database.yml', content: databaseYml(app) },
    { path: 'rails/config/initializers/delayed_job.rb', content: delayedJobInitializer(app) },
    { path: 'rails/config/initializers/lograge.rb', content: lograge(app) },
    { path: 'rails/config/initializers/racecar.rb', content: racecarInitializer(app) },
    { path: 'rails/config/mysql-client.cnf', content: mysqlClientCnf(app) },
    { path: 'rails/config/puma.rb', content: pumaConfig(app) },
    { path: 'rails/config/routes.health.rb', content: healthRoutes(app) },
  ];
}

export { readinessTimeoutSeconds } from './health.js';
export { pumaShutdownSeconds } from './puma.js';
export { CONNECT_TIMEOUT_SECONDS } from './database.js';
export { RACECAR_LIVENESS_FILE_DEFAULT } from './racecar.js';
