output "code_location_settings" {
  description = "Environment of the code location (SHOP_* settings); the ECS task gets exactly this map."
  value       = local.code_location_settings
}

output "dagster_instance_settings" {
  description = "What deploy/docker/dagster.yaml reads (the password comes from postgres_secret_arn, JSON key password)."
  value = {
    DAGSTER_PG_HOST            = module.rds_postgres.address
    DAGSTER_PG_PORT            = tostring(module.rds_postgres.port)
    DAGSTER_PG_DB              = module.rds_postgres.db_name
    DAGSTER_PG_USER            = module.rds_postgres.username
    DAGSTER_COMPUTE_LOG_BUCKET = module.s3_warehouse.artifacts_bucket_name
    DAGSTER_COMPUTE_LOG_PREFIX = local.compute_log_prefix
  }
}

output "kafka_bootstrap_servers" {
  description = "MSK Serverless bootstrap servers (SASL/IAM, port 9098)."
  value       = module.msk.bootstrap_brokers_sasl_iam
}

output "warehouse_path" {
  description = "Iceberg warehouse root on S3."
  value       = module.s3_warehouse.warehouse_path
}

output "glue_database_names" {
  description = "Glue database per layer."
  value       = module.glue_catalog.database_names
}

output "rds_endpoint" {
  description = "host:port of Dagster's PostgreSQL."
  value       = "${module.rds_postgres.address}:${module.rds_postgres.port}"
}

output "postgres_secret_arn" {
  description = "RDS-managed secret with the Dagster database credentials."
  value       = module.rds_postgres.master_user_secret_arn
}

output "slack_secret_arn" {
  description = "Put the Slack credentials here (see modules/secrets)."
  value       = module.secrets.slack_secret_arn
}

output "emr_application_id" {
  description = "EMR Serverless application for the Spark jobs."
  value       = module.emr_serverless.application_id
}

output "emr_job_role_arn" {
  description = "Runtime role of the EMR Serverless jobs."
  value       = module.iam.emr_job_role_arn
}

output "ecr_repository_url" {
  description = "Push the code location image here."
  value       = module.ecs_dagster.ecr_repository_url
}

output "ecs_cluster_name" {
  description = "ECS cluster of the Dagster services."
  value       = module.ecs_dagster.cluster_name
}

output "dagster_ui_dns_name" {
  description = "ALB DNS name of the Dagster UI (HTTPS)."
  value       = module.ecs_dagster.alb_dns_name
}

output "alarm_topic_arn" {
  description = "SNS topic of the CloudWatch alarms."
  value       = module.monitoring.alarm_topic_arn
}
