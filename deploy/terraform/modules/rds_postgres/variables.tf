variable "identifier" {
  description = "RDS instance identifier, e.g. shop-analytics-dev-dagster."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the instance."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the DB subnet group (two or more zones)."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect, keyed by a stable name."
  type        = map(string)
}

variable "engine_major_version" {
  description = "PostgreSQL major version; minor upgrades are applied automatically in the maintenance window."
  type        = string
  default     = "16"
}

variable "instance_class" {
  description = "Instance class; Dagster's storage load is light at small scale."
  type        = string
  default     = "db.t4g.micro"
}

variable "allocated_storage_gb" {
  description = "Initial gp3 storage."
  type        = number
  default     = 20
}

variable "max_allocated_storage_gb" {
  description = "Storage autoscaling ceiling."
  type        = number
  default     = 100
}

variable "db_name" {
  description = "Database created for Dagster."
  type        = string
  default     = "dagster"
}

variable "username" {
  description = "Master user name (its password lives in Secrets Manager, managed by RDS)."
  type        = string
  default     = "dagster"
}

variable "multi_az" {
  description = "Standby in a second zone with automatic failover."
  type        = bool
  default     = false
}

variable "backup_retention_days" {
  description = "Days of automated backups (point-in-time restore window)."
  type        = number
  default     = 7
}

variable "deletion_protection" {
  description = "Refuse to delete the instance until this is turned off."
  type        = bool
  default     = true
}

variable "apply_immediately" {
  description = "Apply modifications now instead of in the maintenance window."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "KMS key for storage, Performance Insights and the master secret."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
