variable "name_prefix" {
  description = "Prefix of the bucket names; the account ID is appended to keep them globally unique."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for SSE-KMS on the warehouse and artifacts buckets."
  type        = string
}

variable "warehouse_prefix" {
  description = "Key prefix of the Iceberg warehouse inside the warehouse bucket."
  type        = string
  default     = "warehouse"
}

variable "noncurrent_version_expiration_days" {
  description = "Days a replaced or deleted object version is kept (the undo window)."
  type        = number
  default     = 30
}

variable "intelligent_tiering_after_days" {
  description = "Days after which objects move to S3 Intelligent-Tiering (no retrieval delay, so Iceberg reads keep working)."
  type        = number
  default     = 30
}

variable "log_expiration_days" {
  description = "Days Dagster compute logs and EMR logs are kept in the artifacts bucket."
  type        = number
  default     = 90
}

variable "access_log_expiration_days" {
  description = "Days S3 server access logs are kept."
  type        = number
  default     = 365
}

variable "force_destroy" {
  description = "Allow terraform destroy to empty the buckets. Keep false outside throwaway environments."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
