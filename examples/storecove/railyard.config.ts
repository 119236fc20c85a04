// Storecove on OVH Managed Kubernetes: the design document, as a railyard config.
//
// Every table of the document is here. Where the document is wrong, the value
// below is the one that works, and a comment says what changed and why
// (README, "Where railyard departs from the design document").
import { defineApp } from 'railyard';

/** The secrets every Rails process (web, cron, workers, consumers) reads. */
const ALL = ['web', 'cron', 'workers', 'consumers'] as const;
/** The document's "Rails": the web tier, and the CronJobs that run from the same image. */
const RAILS = ['web', 'cron'] as const;

export default defineApp({
  $schema: '../../schema/railyard.schema.json',
  name: 'storecove',
  namespace: 'storecove',
  environment: 'production',
  image: {
    // The document writes ${{ vars.OVH_REGISTRY_URL }}; set yours here.
    registry: 'storecove.c1.gra9.container-registry.ovh.net',
    repository: 'storecove/storecove-app',
    // Tags are per commit (<target>-<sha>) and never reused, so Always buys nothing.
    pullPolicy: 'IfNotPresent',
    // The document's base, kept as written. It is past end of life, so `railyard check`
    // warns about it on purpose (base-image-eol, not silenced).
    base: 'ubuntu:focal',
  },
  env: {
    RAILS_LOG_TO_STDOUT: 'true',
  },
  database: {
    caSecret: 'mysql-ca-cert',
    caKey: 'ca-cert.pem',
    caMountPath: '/etc/ssl/mysql',
    // The document's "50 connections" counts only Puma. With the workers and
    // consumers the peak is several hundred; `railyard check` adds it up.
    // Set this to the server's `SHOW VARIABLES LIKE 'max_connections'`.
    maxConnections: 600,
  },

  // ------------------------------------------------------------------ web tier
  web: {
    name: 'rails-server',
    target: 'rails',
    processTarget: 'server',
    containerName: 'rails',
    port: 3000,
    command: ['bundle', 'exec', 'puma', '-C', 'config/puma.rb'],
    threads: { min: 5, max: 5 },
    replicas: { min: 2, max: 10 },
    targetCPUUtilization: 70,
    service: { port: 80 },
    env: { RAILS_SERVE_STATIC_FILES: 'true' },
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2000m', memory: '4Gi' } },
    terminationGracePeriodSeconds: 30,
    probes: {
      liveness: { path: '/health/liveness', initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      readiness: { path: '/health/readiness', initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
    },
  },

  // ------------------------------------------------------------------ delayed_job workers
  workers: {
    primary: {
      name: 'worker-primary',
      processTarget: 'worker-primary',
      healthPort: 3001,
      jobTimeoutSeconds: 280,
      replicas: { min: 2, max: 5 },
      // 11 processes. The document's string, exactly:
      pools:
        '--pool=mail:1 --pool=inboundpeppol,inboundpeppolemail,inboundsftp,inboundublemail,inboundpartneremail:4 --pool=ses_notifications,ses_mail,sar_mail,edi_smtp,edi_as2,ses_mail_in_out:2 --pool=vatcalc_out_out_live,vatcalc_out_out_pilot:1 --pool=analyze_action,invoice_analyzer,slack,apply_action:1 --pool=document_submissions:2',
      // The table's 2Gi limit cannot hold 11 Rails processes (11 × 300 MiB ≈ 3.2 GiB).
      // Memory follows the process budget, and the request equals the limit so the
      // scheduler does not place pods on memory they will use anyway. CPU is the table's.
      resources: { requests: { cpu: '250m', memory: '3584Mi' }, limits: { cpu: '1000m', memory: '3584Mi' } },
      terminationGracePeriodSeconds: 300,
      probe: { path: '/health', initialDelaySeconds: 30, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 3 },
    },
    secondary: {
      name: 'worker-secondary',
      processTarget: 'worker-secondary',
      healthPort: 3001,
      jobTimeoutSeconds: 280,
      replicas: { min: 2, max: 5 },
      // 44 processes. The document's string, exactly:
      pools:
        '--pool=smp_phoss:8 --pool=aruba_out_out_prod,aruba_out_out_pilot,aruba_out_out_webhooks_pilot,aruba_out_out_webhooks_prod:1 --pool=chargebee_webhook_events,exactsales_webhook_events,storecove_webhook_events:1 --pool=outgoing_webhooks,outgoing_webhooks_sandbox:4 --pool=outgoing_webhooks_asia,outgoing_webhooks_sandbox_asia:4 --pool=exact_worker,snelstart_worker,sftp_worker,as2_worker:1 --pool=received_documents,aruba_in_in_webhooks:1 --pool=storecove_api_self:3 --pool=active_storage_analysis,active_storage_mirror,active_storage_preview,active_storage_purge:1 --pool=kafka_sending_actions_status_update,kafka_received_document_status,kafka_new_document_notification:12 --pool=meta_events,exceptions,aruba_admin:1 --pool=customer_reporting:1 --pool=my_lhdnm_poller:6',
      // The table's 4Gi limit gives 44 processes 93 MiB each, less than an empty
      // Rails app needs. 44 × 300 MiB + the runtime ≈ 13 GiB (request = limit, as above).
      resources: { requests: { cpu: '250m', memory: '13Gi' }, limits: { cpu: '2000m', memory: '13Gi' } },
      terminationGracePeriodSeconds: 300,
      probe: { path: '/health', initialDelaySeconds: 30, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 3 },
    },
  },

  // ------------------------------------------------------------------ racecar consumers
  // The document passes --sasl-password in argv (readable with `ps`) and names
  // KAFKA_* vars that no secret provides. Here the kafka secret holds them and
  // they reach racecar as RACECAR_GROUP_ID / RACECAR_SASL_USERNAME / RACECAR_SASL_PASSWORD.
  consumers: {
    'sending-status': {
      name: 'kafka-sending-status',
      target: 'kafka-sending-status',
      processTarget: 'kafka-sending-status',
      healthPort: 3002,
      consumerClass: 'Kafka::Consumers::SendingActionStatusUpdateConsumer',
      credentials: {
        secret: 'storecove-app-kafka-credentials',
        groupIdKey: 'KAFKA_SENDINGSTATUSUPDATE_CONSUMER_GROUP_ID',
        usernameKey: 'KAFKA_SENDINGSTATUSUPDATE_CONSUMER_USERNAME',
        passwordKey: 'KAFKA_SENDINGSTATUSUPDATE_CONSUMER_PASSWORD',
      },
      replicas: { min: 1, max: 3 },
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
      terminationGracePeriodSeconds: 60,
    },
    'new-document': {
      name: 'kafka-new-document',
      target: 'kafka-new-document',
      processTarget: 'kafka-new-document',
      healthPort: 3003,
      consumerClass: 'Kafka::Consumers::NewDocumentNotificationConsumer',
      credentials: {
        secret: 'storecove-app-kafka-credentials',
        groupIdKey: 'KAFKA_NEWDOCUMENTNOTIFICATION_CONSUMER_GROUP',
        usernameKey: 'KAFKA_NEWDOCUMENTNOTIFICATION_CONSUMER_USERNAME',
        passwordKey: 'KAFKA_NEWDOCUMENTNOTIFICATION_CONSUMER_PASSWORD',
      },
      replicas: { min: 1, max: 3 },
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
      terminationGracePeriodSeconds: 60,
    },
    'received-status': {
      name: 'kafka-received-status',
      target: 'kafka-received-status',
      processTarget: 'kafka-received-status',
      healthPort: 3004,
      consumerClass: 'Kafka::Consumers::ReceivedDocumentStatusConsumer',
      credentials: {
        secret: 'storecove-app-kafka-credentials',
        groupIdKey: 'KAFKA_RECEIVEDDOCUMENTSTATUS_CONSUMER_GROUP',
        usernameKey: 'KAFKA_RECEIVEDDOCUMENTSTATUS_CONSUMER_USERNAME',
        passwordKey: 'KAFKA_RECEIVEDDOCUMENTSTATUS_CONSUMER_PASSWORD',
      },
      replicas: { min: 1, max: 3 },
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
      terminationGracePeriodSeconds: 60,
    },
  },

  // ------------------------------------------------------------------ scheduled tasks (whenever → CronJobs)
  cron: {
    defaults: {
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 300,
      activeDeadlineSeconds: 3600,
      backoffLimit: 2,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      ttlSecondsAfterFinished: 86400,
      timeZone: 'Etc/UTC',
    },
    tasks: [
      { name: 'customer-reports', description: 'Customer reports', schedule: '0 6 * * *', command: 'rake customer_reporting:schedule_reports' },
      { name: 'saas-organizations', description: 'SaaS org reporting (monthly)', schedule: '30 8 1 * *', command: 'rake saas:organizations_global && rake saas:organizations_asia && rake saas:organizations_pacific' },
      { name: 'peppol-end-users', description: 'Peppol end users reporting', schedule: '0 23 2 * *', command: 'rake peppol_reporting:peppol_reporting_end_users' },
      { name: 'peppol-transactions', description: 'Peppol transactions reporting', schedule: '0 1 3 * *', command: 'rake peppol_reporting:peppol_reporting_transactions' },
      { name: 'peppol-sg-monthly', description: 'Peppol SG/IRAS reporting', schedule: '30 5 1 * *', command: 'rake peppol_reporting:identifiers_in_out_sg && rake peppol_reporting:reporting_sg_iras_sla_sandbox && rake peppol_reporting:reporting_sg_iras_sla_live' },
      { name: 'aws-ses-bounce-rates', description: 'AWS SES bounce rates', schedule: '30 4 * * 1', command: 'rake aws_ses_reporting:bounce_rates_sending && rake aws_ses_reporting:bounce_rates_administrations' },
      // Every 10 minutes: a run must not outlast its period, or Forbid skips the next.
      { name: 'kafka-sending-clearing', description: 'Kafka sending/clearing updates', schedule: '*/10 * * * *', command: 'rake kafka:produce_invoice_submission_action_update_requests_sending && rake kafka:produce_invoice_submission_action_update_requests_clearing', activeDeadlineSeconds: 540 },
      { name: 'kafka-new-docs-hourly', description: 'Kafka new docs hourly', schedule: '0 * * * *', command: 'rake kafka:produce_new_documents_request_hourly', activeDeadlineSeconds: 3300 },
      { name: 'kafka-new-docs-daily', description: 'Kafka new docs daily', schedule: '0 0 * * *', command: 'rake kafka:produce_new_documents_request_daily' },
      { name: 'clean-delayed-jobs', description: 'Clean delayed jobs queue', schedule: '*/5 * * * *', command: 'rake railsdb:clean_delayed_jobs_inboundpeppol', activeDeadlineSeconds: 270 },
      { name: 'corppass-mykyc-detect', description: 'CorpPass/MyKYC detection', schedule: '*/5 * * * *', command: 'rake corppass:detect[sandbox] && rake corppass:detect[live] && rake mykyc:detect[sandbox] && rake mykyc:detect[live]', activeDeadlineSeconds: 270 },
      { name: 'reconcile-chargebee', description: 'Reconcile Chargebee', schedule: '15 7 * * 6', command: 'rake saas:reconcile_chargebee' },
      { name: 'identifiers-invalid', description: 'Check invalid identifiers', schedule: '30 7 * * 6', command: 'rake identifiers:invalid' },
      { name: 'smp-reconcile', description: 'SMP reconciliation', schedule: '0 8 * * 6', command: 'rake smp:reconcile && rake smp:reconcile_sg' },
      { name: 'email-worker', description: 'Email worker', schedule: '0 * * * *', command: 'rails runner "C5::EmailWorker.new.perform"', activeDeadlineSeconds: 3300 },
      { name: 'invoice-analyzer', description: 'Invoice analyzer', schedule: '0 * * * *', command: 'rails runner "InvoiceAnalyzerJob.perform_later"', activeDeadlineSeconds: 3300 },
    ],
  },

  // ------------------------------------------------------------------ secrets (the document's table, made consistent)
  secrets: [
    { name: 'storecove-app-db-credentials', keys: ['DATABASE_HOST', 'DATABASE_PORT', 'DATABASE_USERNAME', 'DATABASE_PASSWORD', 'DATABASE_NAME'], usedBy: [...ALL], description: 'All' },
    { name: 'storecove-app-master-key', keys: ['RAILS_MASTER_KEY'], usedBy: [...ALL], description: 'All' },
    { name: 'storecove-app-aws-credentials', keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_*_BUCKET'], usedBy: [...ALL], description: 'All' },
    { name: 'storecove-app-valkey-credentials', keys: ['VALKEY_HOST', 'VALKEY_PORT', 'VALKEY_USERNAME', 'VALKEY_PASSWORD'], usedBy: [...RAILS, 'workers'], description: 'Rails, Workers' },
    {
      name: 'storecove-app-queue-credentials',
      keys: ['SQS_BOUNCES_QUEUE', 'SQS_COMPLAINTS_QUEUE', 'SQS_DELIVERIES_QUEUE', 'SQS_PARTNER_QUEUE', 'SQS_PEPPOL_QUEUE', 'SQS_RECEIVE_QUEUE', 'SQS_SFTP_QUEUE'],
      usedBy: ['workers'],
      description: 'Workers',
    },
    {
      name: 'storecove-app-kafka-credentials',
      // KAFKA_CONSUMER and KAFKA_PRODUCER as the document lists them, plus the
      // per-consumer group, user and password that its CMDs read and no secret provided.
      keys: [
        'KAFKA_CONSUMER',
        'KAFKA_PRODUCER',
        'KAFKA_SENDINGSTATUSUPDATE_CONSUMER_GROUP_ID',
        'KAFKA_SENDINGSTATUSUPDATE_CONSUMER_USERNAME',
        'KAFKA_SENDINGSTATUSUPDATE_CONSUMER_PASSWORD',
        'KAFKA_NEWDOCUMENTNOTIFICATION_CONSUMER_GROUP',
        'KAFKA_NEWDOCUMENTNOTIFICATION_CONSUMER_USERNAME',
        'KAFKA_NEWDOCUMENTNOTIFICATION_CONSUMER_PASSWORD',
        'KAFKA_RECEIVEDDOCUMENTSTATUS_CONSUMER_GROUP',
        'KAFKA_RECEIVEDDOCUMENTSTATUS_CONSUMER_USERNAME',
        'KAFKA_RECEIVEDDOCUMENTSTATUS_CONSUMER_PASSWORD',
      ],
      usedBy: ['consumers'],
      description: 'Kafka consumers',
    },
    // In the logging namespace, where the DaemonSet runs; the key is LOGZIO_TOKEN
    // everywhere (the document's DaemonSet read a key `token` from a secret in another namespace).
    { name: 'storecove-app-logzio', keys: ['LOGZIO_TOKEN'], usedBy: ['logging'], namespace: 'logging', description: 'Fluent Bit' },
    // One name (the document also wrote storecove-app-rollbar-credentials). The web
    // tier reports errors with it; the deploy workflow reads the same token from
    // the GitHub Actions secret ROLLBAR_ACCESS_TOKEN.
    { name: 'storecove-app-rollbar', keys: ['ROLLBAR_ACCESS_TOKEN'], usedBy: [...RAILS, 'ci'], description: 'GitHub Actions' },
    { name: 'storecove-app-email-credentials', keys: ['EMAIL_PROVIDER_USERNAME', 'EMAIL_PROVIDER_PASSWORD'], usedBy: [...RAILS, 'workers'], description: 'Rails, Workers' },
    { name: 'storecove-app-billing-credentials', keys: ['CHARGEBEE_API_KEY', 'CHARGEBEE_SITE', 'STRIPE_SECRET_KEY'], usedBy: [...RAILS, 'workers'], description: 'Rails, Workers' },
    { name: 'storecove-app-peppol-credentials', keys: ['PEPPOL_SHOP_ID', 'DEFAULT_ACCESSPOINT_*'], usedBy: [...RAILS, 'workers'], description: 'Rails, Workers' },
    { name: 'storecove-app-webhooks-credentials', keys: ['WEBHOOKS_ENCRYPT_KEY', 'WEBHOOKS_ENCRYPT_IV'], usedBy: [...RAILS, 'workers'], description: 'Rails, Workers' },
    { name: 'storecove-app-intercom-credentials', keys: ['INTERCOM_APP_ID', 'INTERCOM_API_SECRET', 'INTERCOM_API_ACCESS_TOKEN'], usedBy: [...RAILS], description: 'Rails' },
    { name: 'mysql-ca-cert', keys: ['ca-cert.pem'], usedBy: [...ALL], mount: 'volume', description: 'All (mounted as volume)' },
  ],

  // ------------------------------------------------------------------ routing
  // ingress-nginx was retired in March 2026; ../storecove-gateway renders HTTPRoutes instead.
  routing: {
    kind: 'ingress',
    className: 'nginx',
    clusterIssuer: 'letsencrypt-prod',
    hosts: [
      { name: 'storecove-app-ingress', host: 'app.fr.storecove.com', bodySize: '2m', tlsSecret: 'storecove-app-tls', readTimeoutSeconds: 300 },
      { name: 'storecove-api-ingress', host: 'api.fr.storecove.com', bodySize: '100m', tlsSecret: 'storecove-api-tls', readTimeoutSeconds: 300 },
    ],
  },

  // ------------------------------------------------------------------ logging
  logging: {
    fluentBit: {
      namespace: 'logging',
      image: 'cr.fluentbit.io/fluent/fluent-bit:5.1.1',
      runtime: 'containerd',
      logzio: {
        listener: 'listener.logz.io',
        port: 8071,
        type: 'kubernetes',
        tokenSecret: { name: 'storecove-app-logzio', key: 'LOGZIO_TOKEN' },
      },
    },
  },

  migrate: { command: ['bundle', 'exec', 'rails', 'db:migrate'], timeoutSeconds: 900 },
  rollbar: { environment: 'production', tokenSecret: 'ROLLBAR_ACCESS_TOKEN' },
  budgets: { processRssMiB: 300 },
  // The document does not size the cluster. Three OVH b3-16 nodes (4 vCPU, 16 GB),
  // with what the kubelet leaves to pods; `railyard report` sets the app against them.
  nodePool: { name: 'b3-16', nodes: 3, cpu: '3800m', memory: '14Gi' },
  checks: {
    ignore: [
      { rule: 'ingress-nginx-retired', object: 'Ingress/storecove-app-ingress', reason: 'OVH clusters run ingress-nginx today; examples/storecove-gateway is the Gateway API route to move to' },
      { rule: 'ingress-nginx-retired', object: 'Ingress/storecove-api-ingress', reason: 'OVH clusters run ingress-nginx today; examples/storecove-gateway is the Gateway API route to move to' },
    ],
  },
});
