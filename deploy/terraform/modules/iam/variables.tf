variable "name_prefix" {
  description = "Prefix of the role names (max 30 characters), e.g. shop-analytics-dev."
  type        = string

  validation {
    condition     = length(var.name_prefix) <= 30
    error_message = "Keep name_prefix at 30 characters or fewer: IAM role name prefixes are limited to 38."
  }
}

variable "kms_key_arn" {
  description = "The environment's KMS key."
  type        = string
}

variable "warehouse_bucket_arn" {
  description = "ARN of the Iceberg warehouse bucket."
  type        = string
}

variable "artifacts_bucket_arn" {
  description = "ARN of the artifacts bucket (compute logs, EMR jobs and logs)."
  type        = string
}

variable "compute_log_prefix" {
  description = "Key prefix of Dagster compute logs in the artifacts bucket (no trailing slash)."
  type        = string
  default     = "dagster/compute-logs"
}

variable "glue_database_names" {
  description = "Glue databases the pipeline reads and writes."
  type        = list(string)
}

variable "msk_cluster_arn" {
  description = "ARN of the MSK Serverless cluster."
  type        = string
}

variable "msk_cluster_name" {
  description = "Name of the MSK cluster (part of topic and group ARNs)."
  type        = string
}

variable "msk_cluster_uuid" {
  description = "UUID of the MSK cluster (part of topic and group ARNs)."
  type        = string
}

variable "kafka_topic_prefix" {
  description = "Topics the platform may read, write and create start with this."
  type        = string
}

variable "emr_application_arn" {
  description = "ARN of the EMR Serverless application."
  type        = string
}

variable "emr_log_group_arn" {
  description = "ARN of the EMR Serverless job log group."
  type        = string
}

variable "ecr_repository_name" {
  description = "Name of the ECR repository of the code location image."
  type        = string
}

variable "ecs_log_group_prefix" {
  description = "Name prefix of the ECS container log groups, e.g. /shop-analytics/shop-analytics-dev/ecs."
  type        = string
}

variable "injected_secret_arns" {
  description = "Secrets ECS injects into containers (Slack, RDS master credentials)."
  type        = list(string)
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
