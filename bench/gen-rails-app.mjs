// Writes a Rails app of FILES files for the `railyard init` benchmark (bench/init.sh):
// a schedule.rb of JOBS jobs in whenever's forms, a Procfile, Capistrano files,
// database.yml, puma.rb, racecar consumers, initializers that read ENV, locales,
// and models and libs to make up the count.
//   node bench/gen-rails-app.mjs OUT_DIR [FILES=2000] [JOBS=300]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const [out, filesArg = '2000', jobsArg = '300'] = process.argv.slice(2);
if (!out) {
  console.error('usage: node bench/gen-rails-app.mjs OUT_DIR [FILES] [JOBS]');
  process.exit(2);
}
const total = Number(filesArg);
const jobs = Number(jobsArg);
let written = 0;
const write = (path, content) => {
  mkdirSync(dirname(join(out, path)), { recursive: true });
  writeFileSync(join(out, path), content);
  written++;
};

write('Gemfile', 'source "https://rubygems.org"\ngem "rails", "~> 7.1"\ngem "puma"\ngem "delayed_job_active_record"\ngem "racecar"\ngem "mysql2"\n');
// No whenever in the lockfile: init runs the whenever on PATH straight away.
write('Gemfile.lock', 'GEM\n  remote: https://rubygems.org/\n  specs:\n    rails (7.1.3)\n    puma (6.4.2)\n    delayed_job (4.1.11)\n    delayed_job_active_record (4.1.8)\n    racecar (2.10.1)\n    mysql2 (0.5.6)\n\nPLATFORMS\n  ruby\n\nRUBY VERSION\n   ruby 3.3.0p0\n\nBUNDLED WITH\n   2.5.3\n');
write('config/application.rb', 'require_relative "boot"\nmodule BenchShop\n  class Application < Rails::Application\n  end\nend\n');
write('config/database.yml', 'default: &default\n  adapter: mysql2\n  pool: <%= ENV.fetch("RAILS_MAX_THREADS") { 5 } %>\n  password: <%= ENV["DB_PASSWORD"] %>\nproduction:\n  <<: *default\n  database: shop\n');
write('config/puma.rb', 'max_threads_count = ENV.fetch("RAILS_MAX_THREADS") { 5 }\nthreads max_threads_count, max_threads_count\nport ENV.fetch("PORT") { 3000 }\n');
write('Procfile', 'web: bundle exec puma -C config/puma.rb\nworker: QUEUES=mail,default bundle exec rake jobs:work\nreports: QUEUES=reports bundle exec rake jobs:work\nrelease: bundle exec rails db:migrate\n');
write('config/deploy.rb', 'set :application, "shop"\nset :delayed_job_workers, 2\n');
write('config/deploy/production.rb', 'set :delayed_job_pools, {\n  "mail" => 2,\n  "inbound,outbound" => 4,\n  "*" => 1,\n}\n');

const forms = ['1.day, at: \'4:30 am\'', ':hour', '10.minutes', ':monday, at: \'7:15 am\'', "'30 8 1 * *'", '[:tuesday, :thursday], at: [\'12pm\', \'6:45 pm\']', '2.hours', ':weekday, at: \'9am\'', '3.days', '1.month, at: 15'];
const schedule = ['set :output, "log/cron.log"'];
for (let i = 0; i < jobs; i++) {
  schedule.push(`every ${forms[i % forms.length]} do`);
  schedule.push(i % 3 === 0 ? `  runner "Reports::Job${i}.perform_later"` : i % 3 === 1 ? `  rake "jobs:task_${i}"` : `  command "bin/tool --job ${i}"`);
  schedule.push('end');
}
write('config/schedule.rb', schedule.join('\n') + '\n');

for (let i = 0; i < 50; i++) write(`app/consumers/topic${i}_consumer.rb`, `module Kafka\n  class Topic${i}Consumer < Racecar::Consumer\n    subscribes_to "topic-${i}"\n\n    def process(message)\n      Rails.logger.info(message.value)\n    end\n  end\nend\n`);
for (let i = 0; i < 100; i++) write(`config/initializers/service_${i}.rb`, `Service${i}.configure do |c|\n  c.key = ENV["SERVICE${i % 10}_API_KEY"]\n  c.url = ENV.fetch("SERVICE${i % 10}_URL", "https://example.com")\nend\n`);
for (let i = 0; i < 100; i++) write(`config/locales/l${i}.yml`, `en:\n  key_${i}: "Value ${i}"\n`);
const rest = () => total - written;
for (let i = 0; rest() > 0; i++) {
  if (i % 3 === 0) write(`lib/shop/part_${i}.rb`, `module Shop\n  class Part${i}\n    def call = ${i}\n  end\nend\n`);
  else write(`app/models/model_${i}.rb`, `class Model${i} < ApplicationRecord\n  belongs_to :owner\n  validates :name, presence: true\nend\n`);
}
console.error(`gen-rails-app: ${written} files, ${jobs} schedule jobs in ${out}`);
