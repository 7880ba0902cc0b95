variable "database_prefix" {
  description = "Prefix of the Glue database names (letters, digits and underscores), e.g. shop_dev."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]*$", var.database_prefix))
    error_message = "Glue database names are lower case letters, digits and underscores."
  }
}

variable "layers" {
  description = "Medallion layers that get a database each."
  type        = list(string)
  default     = ["bronze", "silver", "gold"]
}

variable "warehouse_path" {
  description = "Iceberg warehouse root, s3://bucket/prefix."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for catalog metadata encryption."
  type        = string
}

variable "manage_catalog_encryption" {
  description = "Manage the account-wide Glue Data Catalog encryption settings from this environment."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
