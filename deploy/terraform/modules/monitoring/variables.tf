variable "name" {
  description = "Prefix of alarm and topic names, e.g. shop-analytics-dev."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key of the SNS topic."
  type        = string
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic (each confirms by e-mail)."
  type        = list(string)
  default     = []
}

variable "ecs_cluster_name" {
  description = "ECS cluster of the Dagster services."
  type        = string
}

variable "ecs_service_names" {
  description = "ECS service names keyed by role (webserver, daemon, code_location)."
  type        = map(string)
}

variable "code_location_log_group_name" {
  description = "Log group of the code location containers."
  type        = string
}

variable "error_log_threshold" {
  description = "Error lines per 15 minutes from the code location that raise the alarm."
  type        = number
  default     = 5
}

variable "alb_arn_suffix" {
  description = "ALB ARN suffix."
  type        = string
}

variable "target_group_arn_suffix" {
  description = "Webserver target group ARN suffix."
  type        = string
}

variable "rds_instance_id" {
  description = "RDS instance identifier."
  type        = string
}

variable "rds_free_storage_threshold_gb" {
  description = "Free storage (GB) below which the RDS alarm fires."
  type        = number
  default     = 2
}

variable "emr_application_id" {
  description = "EMR Serverless application ID."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
