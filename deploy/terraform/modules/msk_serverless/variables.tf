variable "name" {
  description = "Cluster name, e.g. shop-analytics-dev."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the cluster."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets in at least two availability zones."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "MSK Serverless needs subnets in at least two availability zones."
  }
}

variable "client_security_group_ids" {
  description = "Security groups allowed to reach the brokers, keyed by a stable name (e.g. { code_location = sg-... })."
  type        = map(string)
}

variable "topic_prefix" {
  description = "Prefix of every topic the platform owns; IAM grants are scoped to it."
  type        = string
  default     = "shop."
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
