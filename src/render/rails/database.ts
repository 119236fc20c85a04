// The production section of config/database.yml, from the db secret's keys.
import type { App } from '../../config/schema.js';
import { commentText, header, integer } from './ruby.js';

/** Seconds mysql2 waits for a connection (TCP and the server's greeting); its own default is 120. */
export const CONNECT_TIMEOUT_SECONDS = 5;

/** The MySQL client option file database.yml points at when MYSQL_SSL_CA is set. */
export function mysqlClientCnf(app: App): string {
  return `${header(app, 'config/mysql-client.cnf')}
#
# Read by the MySQL client library (config/database.yml's default_file and
# default_group) when MYSQL_SSL_CA is set: check that the server certificate
# names the host connected to, on top of the CA check.
[railyard]
ssl-verify-server-cert=1
`;
}

export function databaseYml(app: App): string {
  const caPath = `${app.database.caMountPath}/${app.database.caKey}`;
  return `${header(app, 'config/database.yml (its production section)')}
#
# The db secret provides DATABASE_HOST, DATABASE_PORT, DATABASE_USERNAME,
# DATABASE_PASSWORD and DATABASE_NAME; the server's CA certificate is mounted
# at ${commentText(caPath)} and named by MYSQL_SSL_CA. A missing variable fails
# nothing here (assets:precompile in the image build has no database).
<%
  # Each string becomes a YAML double-quoted scalar written by JSON, so ":",
  # "#", quotes or backslashes in a password cannot break this file; the few
  # characters YAML may not hold raw (DEL, C1 controls, U+FFFE, U+FFFF) or
  # reads as line breaks (U+2028, U+2029) are escaped too.
  require "json"
  env_string = lambda do |name|
    value = ENV[name]
    next "null" if value.nil?
    JSON.generate(value).gsub(/[\\u007f-\\u009f\\u2028\\u2029\\ufffe\\uffff]/) { |char| format("\\\\u%04x", char.ord) }
  end
%>
production:
  adapter: mysql2
  encoding: utf8mb4
  host: <%= env_string.("DATABASE_HOST") %>
  port: <%= Integer(ENV.fetch("DATABASE_PORT", "3306")) %>
  username: <%= env_string.("DATABASE_USERNAME") %>
  password: <%= env_string.("DATABASE_PASSWORD") %>
  database: <%= env_string.("DATABASE_NAME") %>
  # One connection per thread of this process: Puma's RAILS_MAX_THREADS on
  # the web tier; DB_POOL where a process needs another number.
  pool: <%= Integer(ENV.fetch("DB_POOL") { ENV.fetch("RAILS_MAX_THREADS", "${integer(app.web.threads.max)}") }) %>
  # TLS to the server, verified against the mounted CA.
  sslca: <%= env_string.("MYSQL_SSL_CA") %>
  sslverify: <%= !ENV.fetch("MYSQL_SSL_CA", "").empty? %>
<% unless ENV.fetch("MYSQL_SSL_CA", "").empty? %>
<%
    # And that the certificate names DATABASE_HOST: a managed database's CA
    # signs every customer's server. mysql2 0.5 on MariaDB Connector/C
    # ignores sslverify and ssl_mode for that; the client library's option
    # file does it. Without the file it would silently not check, so refuse
    # to boot instead.
    client_cnf = Rails.root.join("config", "mysql-client.cnf")
    raise "#{client_cnf} is missing: copy it from railyard's rails/ output" unless client_cnf.file?
%>
  default_file: <%= client_cnf.to_s.to_json %>
  default_group: railyard
<% end %>
  # mysql2 waits 120 s for a connection by default; a request should learn
  # sooner that the server is gone.
  connect_timeout: ${integer(CONNECT_TIMEOUT_SECONDS)}
`;
}
