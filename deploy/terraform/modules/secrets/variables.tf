variable "name_prefix" {
  description = "Prefix of the secret names, e.g. shop-analytics-dev."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the secret."
  type        = string
}

variable "recovery_window_days" {
  description = "Days a deleted secret can be restored."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
