variable "name_prefix" {
  description = "Prefix for resource names, e.g. shop-analytics-dev."
  type        = string
}

variable "deletion_window_in_days" {
  description = "Days a scheduled key deletion can still be cancelled."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
