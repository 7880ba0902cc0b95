variable "environment" {
  description = "Environment name; part of every resource name."
  type        = string
  default     = "prod"
}

variable "region" {
  description = "AWS region."
  type        = string
  default     = "eu-central-1"
}

variable "tags" {
  description = "Extra tags for every resource (cost centre, owner)."
  type        = map(string)
  default     = {}
}

variable "image_tag" {
  description = "Tag (commit SHA) of the code location image in ECR to run."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate for the Dagster UI's HTTPS listener."
  type        = string
}

variable "allowed_cidr_blocks" {
  description = "Office/VPN ranges allowed to reach the Dagster UI."
  type        = list(string)
}

variable "schema_registry_url" {
  description = "Confluent-compatible schema registry reachable from the VPC (not created here; see deploy/README.md)."
  type        = string
}

variable "alarm_emails" {
  description = "Addresses that receive CloudWatch alarms."
  type        = list(string)
  default     = []
}

variable "vpc_cidr_block" {
  description = "IPv4 range of the VPC."
  type        = string
  default     = "10.50.0.0/16"
}

variable "availability_zones" {
  description = "Availability zones to span (they must belong to var.region)."
  type        = list(string)
  default     = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
}

variable "single_nat_gateway" {
  description = "One NAT gateway instead of one per zone."
  type        = bool
  default     = false
}

variable "internal_alb" {
  description = "Keep the Dagster UI's ALB inside the VPC."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Deletion protection on the ALB and RDS."
  type        = bool
  default     = true
}

variable "force_destroy_buckets" {
  description = "Let terraform destroy delete non-empty buckets."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of every CloudWatch log group."
  type        = number
  default     = 365
}

variable "noncurrent_version_expiration_days" {
  description = "Days replaced S3 object versions are kept."
  type        = number
  default     = 30
}

variable "s3_log_expiration_days" {
  description = "Days compute logs and EMR logs are kept in S3."
  type        = number
  default     = 90
}

variable "manage_glue_catalog_encryption" {
  description = "Manage the account-wide Glue catalog encryption from this environment (one environment per account)."
  type        = bool
  default     = true
}

variable "kafka_topic_prefix" {
  description = "Prefix of the platform's Kafka topics (IAM grants are scoped to it)."
  type        = string
  default     = "shop."
}

variable "emr_release_label" {
  description = "EMR Serverless release (emr-7.x: Spark 3.5)."
  type        = string
  default     = "emr-7.12.0"
}

variable "emr_max_vcpu" {
  description = "vCPU ceiling of the EMR Serverless application."
  type        = number
  default     = 32
}

variable "emr_max_memory_gb" {
  description = "Memory ceiling (GB) of the EMR Serverless application."
  type        = number
  default     = 128
}

variable "rds_instance_class" {
  description = "Instance class of Dagster's PostgreSQL."
  type        = string
  default     = "db.t4g.small"
}

variable "rds_multi_az" {
  description = "Standby replica in a second zone."
  type        = bool
  default     = true
}

variable "rds_backup_retention_days" {
  description = "Point-in-time restore window."
  type        = number
  default     = 14
}

variable "webserver_count" {
  description = "Dagster webserver tasks."
  type        = number
  default     = 2
}

variable "code_location_cpu" {
  description = "Fargate CPU units of the code location."
  type        = number
  default     = 2048
}

variable "code_location_memory" {
  description = "Fargate memory (MiB) of the code location."
  type        = number
  default     = 8192
}
