variable "name" {
  description = "Application name, e.g. shop-analytics-dev."
  type        = string
}

variable "release_label" {
  description = "EMR release; the emr-7 line ships Spark 3.5, matching pyspark 3.5 in the code location."
  type        = string
  default     = "emr-7.12.0"

  validation {
    condition     = can(regex("^emr-7\\.[0-9]+\\.[0-9]+$", var.release_label))
    error_message = "Use an emr-7.x release: it carries Spark 3.5, which the jobs are written for."
  }
}

variable "architecture" {
  description = "X86_64 or ARM64 (Graviton, about 20% cheaper per vCPU-hour)."
  type        = string
  default     = "ARM64"
}

variable "vpc_id" {
  description = "VPC the jobs run in (they reach MSK inside it)."
  type        = string
}

variable "vpc_cidr_block" {
  description = "IPv4 range of the VPC (egress to MSK)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the job workers."
  type        = list(string)
}

variable "warehouse_path" {
  description = "Iceberg warehouse root, s3://bucket/prefix."
  type        = string
}

variable "artifacts_bucket_name" {
  description = "Bucket for EMR logs (emr/logs/) and job code (emr/jobs/)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for logs."
  type        = string
}

variable "max_vcpu" {
  description = "Ceiling on vCPUs across all running workers of the application."
  type        = number
  default     = 16
}

variable "max_memory_gb" {
  description = "Ceiling on memory (GB) across all running workers."
  type        = number
  default     = 64
}

variable "max_disk_gb" {
  description = "Ceiling on disk (GB) across all running workers."
  type        = number
  default     = 200
}

variable "idle_timeout_minutes" {
  description = "Minutes idle before the application stops."
  type        = number
  default     = 15
}

variable "shuffle_partitions" {
  description = "spark.sql.shuffle.partitions for every job (small data, small number)."
  type        = number
  default     = 16
}

variable "log_retention_days" {
  description = "Retention of the job log group."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
